package strictjson

import (
	"encoding/json"
	"errors"
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
