from readerstation.cli import main

main()
