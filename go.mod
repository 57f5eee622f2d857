module github.com/wardauth/ward

go 1.26
