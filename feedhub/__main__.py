from feedhub.cli.main import main

main()
