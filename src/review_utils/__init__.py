"""review_utils: the analysis suite of a systematic review of CAR T-cell therapy in paediatric rheumatic disease."""

__version__ = "0.1.0"
