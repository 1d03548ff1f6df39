from charter.schemas.compiled import main

main()
