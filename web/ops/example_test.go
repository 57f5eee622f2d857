package ops_test

import (
	"fmt"
	"time"

	"github.com/wardauth/ward/web/ops"
)

// Verify gives the verdict the debugger page shows: here the RFC 7515
// A.1 token, whose signature holds but which expired in 2011.
func ExampleVerify() {
	r := ops.Verify(ops.VerifyRequest{Token: a1Token, KeyKind: ops.KindKey, Key: a1Key, Issuer: "joe"}, time.Unix(1700000000, 0))
	fmt.Println(r.Verdict, r.Code)
	fmt.Println(r.Reason)
	// Output:
	// expired expired
	// token is expired (exp 2011-03-22T18:43:00Z, 4620d ago)
}

// Decode shows a token without verifying it, with the warnings of ward
// decode.
func ExampleDecode() {
	d, err := ops.Decode("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.", time.Now())
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Kind, d.Alg)
	for _, w := range d.Warnings {
		fmt.Println(w)
	}
	// Output:
	// JWS none
	// alg "none": the token is not signed, so anyone can forge it
	// no "typ" header: verifiers cannot tell this token from other JWTs
	// no "exp" claim: the token never expires
}
