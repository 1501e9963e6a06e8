print("streamgen")
