package strictjson

import "testing"

func TestValidString(t *testing.T) {
	for raw, want := range map[string]string{
		`""`:             "",
		`"abc"`:          "abc",
		`"a\"b"`:         `a"b`,
		`"\u00e9\n"`:     "é\n",
		`"\ud83d\ude00"`: "😀",
	} {
		if err := Validate([]byte(raw), 0); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		got, ok := ValidString([]byte(raw))
		if !ok || string(got) != want {
			t.Errorf("ValidString(%s) = %q, %v; want %q", raw, got, ok, want)
		}
		dec, err := DecodeString([]byte(raw))
		if err != nil || string(dec) != string(got) {
			t.Errorf("DecodeString(%s) = %q, %v; ValidString gave %q", raw, dec, err, got)
		}
	}
	for _, raw := range []string{``, `1`, `null`, `["a"]`, `{}`} {
		if _, ok := ValidString([]byte(raw)); ok {
			t.Errorf("ValidString(%s) reported a string", raw)
		}
	}
}
