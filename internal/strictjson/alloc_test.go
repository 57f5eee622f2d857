package strictjson

import (
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
