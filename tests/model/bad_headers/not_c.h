def main():
    print("this is Python, not C")

main()
