from weavz_flow.cli.main import main

main()
