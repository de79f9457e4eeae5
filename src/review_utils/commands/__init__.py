"""One module per `review-utils` subcommand: add_arguments(parser) and run(args) -> exit status."""
