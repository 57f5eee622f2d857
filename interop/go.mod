module github.com/wardauth/ward/interop

go 1.26.0

require (
	github.com/go-jose/go-jose/v4 v4.1.8
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/lestrrat-go/jwx/v4 v4.0.2
	github.com/wardauth/ward v0.0.0
)

require (
	github.com/lestrrat-go/dsig v1.3.0 // indirect
	github.com/lestrrat-go/option/v3 v3.0.0-alpha1 // indirect
	github.com/valyala/fastjson v1.6.10 // indirect
	golang.org/x/crypto v0.58.0 // indirect
)

replace github.com/wardauth/ward => ../
