package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzValidate checks that Validate never accepts what encoding/json
// rejects, that it rejects what encoding/json accepts only for the reasons
// this package is stricter, and that ForEachMember and ForEachElement agree
// with it.
func FuzzValidate(f *testing.F) {
	for _, tt := range validateTests {
		f.Add([]byte(tt.in))
	}
	f.Add(claimsJSON)
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Validate(data, 0)
		std := json.Valid(data)
		if err == nil && !std {
			t.Fatalf("Validate accepted %q, encoding/json did not", data)
		}
		if err != nil && std && !errors.Is(err, ErrDuplicate) && !errors.Is(err, ErrUTF8) && !errors.Is(err, ErrDepth) {
			t.Fatalf("Validate rejected %q with %v, encoding/json accepted", data, err)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Offset < 0 || e.Offset > len(data) {
				t.Fatalf("bad error %#v", err)
			}
		}
		switch KindOf(data[skipSpace(data, 0):]) {
		case Object:
			merr := ForEachMember(data, 0, func(name, value []byte) error {
				if verr := Validate(value, 0); verr != nil {
					t.Fatalf("member value %q invalid: %v", value, verr)
				}
				return nil
			})
			if (merr == nil) != (err == nil) {
				t.Fatalf("ForEachMember: %v, Validate: %v", merr, err)
			}
		case Array:
			aerr := ForEachElement(data, 0, func(value []byte) error {
				if verr := Validate(value, 0); verr != nil {
					t.Fatalf("element %q invalid: %v", value, verr)
				}
				return nil
			})
			if (aerr == nil) != (err == nil) {
				t.Fatalf("ForEachElement: %v, Validate: %v", aerr, err)
			}
		}
	})
}

// FuzzUnmarshal checks that Unmarshal never panics, that what it accepts
// re-encodes and decodes again to the same encoding, and that decoding into
// an interface agrees with encoding/json.
func FuzzUnmarshal(f *testing.F) {
	for _, in := range crossCheckInputs {
		f.Add([]byte(in))
	}
	for _, tt := range validateTests {
		f.Add([]byte(tt.in))
	}
	f.Add(claimsJSON)
	f.Add(claimsStructJSON)
	f.Fuzz(func(t *testing.T, data []byte) {
		var v allTypes
		if err := Unmarshal(data, &v, DecodeOptions{AliasStrings: true}); err == nil {
			enc1, err := Append(nil, &v)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					return // a MarshalJSON method refused the value
				}
				t.Fatalf("Append after Unmarshal(%q): %v", data, err)
			}
			var v2 allTypes
			if err := Unmarshal(enc1, &v2, DecodeOptions{}); err != nil {
				t.Fatalf("Unmarshal(%s): %v", enc1, err)
			}
			enc2, err := Append(nil, &v2)
			if err != nil || !bytes.Equal(enc1, enc2) {
				t.Fatalf("unstable encoding:\n%s\n%s (%v)", enc1, enc2, err)
			}
		}

		var a any
		if err := Unmarshal(data, &a, DecodeOptions{}); err != nil {
			return
		}
		var std any
		if err := json.Unmarshal(data, &std); err != nil {
			t.Fatalf("encoding/json rejects %q: %v", data, err)
		}
		if !reflect.DeepEqual(a, std) {
			t.Fatalf("Unmarshal(%q) = %#v, encoding/json = %#v", data, a, std)
		}
		enc, err := Append(nil, a)
		if err != nil {
			t.Fatalf("Append(%#v): %v", a, err)
		}
		var back any
		if err := Unmarshal(enc, &back, DecodeOptions{}); err != nil || !reflect.DeepEqual(back, a) {
			t.Fatalf("round trip of %s: %#v, %v", enc, back, err)
		}
	})
}
