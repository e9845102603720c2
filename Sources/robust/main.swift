print("robust")
