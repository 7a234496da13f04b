"""The s370vm command line: one module per subcommand, wired together in main."""
