package strictjson_test

import (
	"errors"
	"fmt"

	"github.com/wardauth/ward/internal/strictjson"
)

func ExampleForEachMember() {
	header := []byte(`{"alg":"ES256","kid":"k1","typ":"JWT"}`)
	err := strictjson.ForEachMember(header, 0, func(name, value []byte) error {
		if string(name) == "alg" {
			alg, err := strictjson.DecodeString(value)
			if err != nil {
				return err
			}
			fmt.Printf("alg = %s\n", alg)
		}
		return nil
	})
	fmt.Println(err)
	// Output:
	// alg = ES256
	// <nil>
}

func ExampleUnmarshal() {
	var claims struct {
		Roles  []string `json:"roles"`
		Tenant string   `json:"tenant"`
	}
	data := []byte(`{"roles":["admin","viewer"],"tenant":"acme","Tenant":"ignored"}`)
	if err := strictjson.Unmarshal(data, &claims, strictjson.DecodeOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(claims.Roles, claims.Tenant)
	// Output: [admin viewer] acme
}

func ExampleAppend() {
	v := struct {
		Sub   string   `json:"sub"`
		Scope []string `json:"scope,omitempty"`
		Note  string   `json:"note"`
	}{Sub: "user-1", Note: "<b>&</b>"}
	out, err := strictjson.Append(nil, &v)
	fmt.Println(string(out), err)
	// Output: {"sub":"user-1","note":"<b>&</b>"} <nil>
}

func ExampleAppendString() {
	out, err := strictjson.AppendString(nil, "line\n\u2028<tag>")
	fmt.Println(string(out), err)
	_, err = strictjson.AppendString(nil, "\xff")
	fmt.Println(errors.Is(err, strictjson.ErrUTF8))
	// Output:
	// "line\n\u2028<tag>" <nil>
	// true
}

func ExampleInt64() {
	exp, err := strictjson.Int64([]byte(`1735689600`))
	fmt.Println(exp, err)
	_, err = strictjson.Int64([]byte(`1.5`))
	fmt.Println(errors.Is(err, strictjson.ErrNumber))
	// Output:
	// 1735689600 <nil>
	// true
}

// Every error wraps exactly one sentinel, for branching with errors.Is.
func Example_errorChecking() {
	var claims struct {
		Exp   int64    `json:"exp"`
		Roles []string `json:"roles"`
	}
	inputs := []string{
		`{"exp":1,}`,             // trailing comma
		`{"exp":1,"\u0065xp":2}`, // duplicate member name after unescaping
		`{"x":[[[[]]]]}`,         // too deep for MaxDepth 4
		`{"roles":["\ud800"]}`,   // lone surrogate
		`{"exp":1e30}`,           // out of range for int64
		`{"roles":["admin",7]}`,  // wrong type
	}
	for _, in := range inputs {
		err := strictjson.Unmarshal([]byte(in), &claims, strictjson.DecodeOptions{MaxDepth: 4})
		switch {
		case errors.Is(err, strictjson.ErrSyntax):
			fmt.Println("syntax:", err)
		case errors.Is(err, strictjson.ErrDuplicate):
			fmt.Println("duplicate:", err)
		case errors.Is(err, strictjson.ErrDepth):
			fmt.Println("depth:", err)
		case errors.Is(err, strictjson.ErrUTF8):
			fmt.Println("utf8:", err)
		case errors.Is(err, strictjson.ErrNumber):
			fmt.Println("number:", err)
		case errors.Is(err, strictjson.ErrType):
			fmt.Println("type:", err)
		}
	}
	// Output:
	// syntax: json: invalid character '}', expected member name at offset 9
	// duplicate: json: duplicate member name "exp" at offset 9
	// depth: json: array nested too deep at offset 8
	// utf8: json: unpaired surrogate escape in string at offset 11
	// number: json: number 1e30 out of range for integer in "exp"
	// type: json: cannot use number as string in "roles[1]"
}
