from feedhub.cli.entry import main

main()
