// Package interop holds Ward's interoperability tests and benchmarks against
// peer JOSE libraries: github.com/golang-jwt/jwt/v5,
// github.com/lestrrat-go/jwx/v4 and github.com/go-jose/go-jose/v4.
//
// It is a separate module so that the main module never depends on them. All
// of its code is in _test.go files; see README.md for how to run it.
package interop
