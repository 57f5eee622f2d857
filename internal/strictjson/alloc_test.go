package strictjson

import (
	"encoding/json"
	"reflect"
	"testing"
	"unsafe"
)

// claimsJSON is a typical JWT claims set ([RFC 7519, Section 4]).
var claimsJSON = []byte(`{"iss":"https://auth.example.com","sub":"user-1234567890","aud":["api.example.com","admin.example.com"],"exp":1735689600,"nbf":1735686000,"iat":1735686000,"jti":"b9e1c2d4-6a3f-4f5e-9c1d-2e7f8a9b0c1d","scope":"read write","roles":["admin","editor","viewer"],"tenant":"acme","email_verified":true,"amr":["pwd","otp"],"ctx":{"ip":"192.0.2.1","ua":"Mozilla/5.0 (X11; Linux x86_64) café"}}`)

func TestForEachMemberAllocs(t *testing.T) {
	sixteen := []byte(manyMembers(16, -1))
	for _, data := range [][]byte{claimsJSON, sixteen} {
		n := testing.AllocsPerRun(100, func() {
			err := ForEachMember(data, 0, func(name, value []byte) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("ForEachMember allocated %v times per run on %.40s", n, data)
		}
	}
	n := testing.AllocsPerRun(100, func() {
		if err := Validate(claimsJSON, 0); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("Validate allocated %v times per run", n)
	}
	arr := []byte(`[1,"two",{"three":3},[4]]`)
	n = testing.AllocsPerRun(100, func() {
		if err := ForEachElement(arr, 0, func([]byte) error { return nil }); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("ForEachElement allocated %v times per run", n)
	}
}

func TestScalarAllocs(t *testing.T) {
	str := []byte(`"plain string"`)
	num := []byte(`1735689600`)
	flt := []byte(`1735689600.25`)
	buf := make([]byte, 0, 128)
	n := testing.AllocsPerRun(100, func() {
		if _, err := DecodeString(str); err != nil {
			t.Fatal(err)
		}
		if _, err := Int64(num); err != nil {
			t.Fatal(err)
		}
		if _, err := Float64(flt); err != nil {
			t.Fatal(err)
		}
		if _, err := AppendString(buf[:0], "café \"quoted\"\n"); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("scalar helpers allocated %v times per run", n)
	}
}

func BenchmarkForEachMember(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(claimsJSON)))
	for b.Loop() {
		err := ForEachMember(claimsJSON, 0, func(name, value []byte) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(claimsJSON)))
	for b.Loop() {
		if err := Validate(claimsJSON, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func unsafePointer[T any](p *T) unsafe.Pointer { return unsafe.Pointer(p) }

var claimsStructJSON = []byte(`{"iss":"https://auth.example.com","sub":"user-1234567890","exp":1735689600,"roles":["admin","editor","viewer"],"tenant":"acme","email_verified":true}`)

func TestStructDecodeAllocs(t *testing.T) {
	opts := DecodeOptions{AliasStrings: true}
	var c testClaims
	n := testing.AllocsPerRun(100, func() {
		c = testClaims{}
		if err := Unmarshal(claimsStructJSON, &c, opts); err != nil {
			t.Fatal(err)
		}
	})
	if n != 1 {
		t.Errorf("Unmarshal allocated %v times per run, want 1 (the []string)", n)
	}
	if len(c.Roles) != 3 || c.Tenant != "acme" {
		t.Errorf("got %+v", c)
	}
	// The same through PlanFor, Field and ForEachMember.
	plan, err := PlanFor(reflect.TypeFor[testClaims](), nil)
	if err != nil {
		t.Fatal(err)
	}
	n = testing.AllocsPerRun(100, func() {
		c = testClaims{}
		ptr := unsafe.Pointer(&c)
		err := ForEachMember(claimsStructJSON, 0, func(name, value []byte) error {
			if f := plan.Field(name); f != nil {
				return f.Decode(ptr, value, opts)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	if n != 1 {
		t.Errorf("ForEachMember+Field.Decode allocated %v times per run, want 1", n)
	}
}

func TestStructEncodeAllocs(t *testing.T) {
	c := &testClaims{Roles: []string{"admin", "editor"}, Tenant: "acme"}
	buf := make([]byte, 0, 256)
	n := testing.AllocsPerRun(100, func() {
		out, err := Append(buf[:0], c)
		if err != nil || len(out) == 0 {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("Append allocated %v times per run", n)
	}
	plan, _ := PlanFor(reflect.TypeFor[testClaims](), nil)
	n = testing.AllocsPerRun(100, func() {
		if _, _, err := plan.AppendMembers(buf[:0], unsafe.Pointer(c), true); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("AppendMembers allocated %v times per run", n)
	}
}

func BenchmarkUnmarshalClaims(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(claimsStructJSON)))
	opts := DecodeOptions{AliasStrings: true}
	for b.Loop() {
		var c testClaims
		if err := Unmarshal(claimsStructJSON, &c, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalClaimsCopy(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(claimsStructJSON)))
	for b.Loop() {
		var c testClaims
		if err := Unmarshal(claimsStructJSON, &c, DecodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalClaimsEncodingJSON(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(claimsStructJSON)))
	for b.Loop() {
		var c testClaims
		if err := json.Unmarshal(claimsStructJSON, &c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendClaims(b *testing.B) {
	b.ReportAllocs()
	c := &testClaims{Roles: []string{"admin", "editor", "viewer"}, Tenant: "acme"}
	buf := make([]byte, 0, 256)
	for b.Loop() {
		if _, err := Append(buf[:0], c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendClaimsEncodingJSON(b *testing.B) {
	b.ReportAllocs()
	c := &testClaims{Roles: []string{"admin", "editor", "viewer"}, Tenant: "acme"}
	for b.Loop() {
		if _, err := json.Marshal(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalAny(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(claimsJSON)))
	for b.Loop() {
		var m map[string]any
		if err := Unmarshal(claimsJSON, &m, DecodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateEncodingJSON(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(claimsJSON)))
	for b.Loop() {
		if !json.Valid(claimsJSON) {
			b.Fatal("invalid")
		}
	}
}
