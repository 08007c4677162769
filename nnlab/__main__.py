from nnlab.entry import main

main()
