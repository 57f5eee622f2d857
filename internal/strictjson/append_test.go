package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// stdMarshal encodes v with encoding/json without HTML escaping.
func stdMarshal(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

type omitTypes struct {
	S   string         `json:"s,omitempty"`
	B   bool           `json:"b,omitempty"`
	I   int            `json:"i,omitempty"`
	U8  uint8          `json:"u8,omitempty"`
	F   float64        `json:"f,omitempty"`
	P   *int           `json:"p,omitempty"`
	Sl  []int          `json:"sl,omitempty"`
	M   map[string]int `json:"m,omitempty"`
	A   any            `json:"a,omitempty"`
	Arr [0]int         `json:"arr,omitempty"`
	St  inner          `json:"st,omitempty"`
	T   time.Time      `json:"t,omitzero"`
	Z   inner          `json:"z,omitzero"`
	ZP  *inner         `json:"zp,omitzero"`
}

type valueMarshaler struct{ N int }

func (v valueMarshaler) MarshalJSON() ([]byte, error) {
	return []byte(` { "n" : [ ` + string(rune('0'+v.N)) + ` , "a b" ] } `), nil
}

type textOnly struct{ S string }

func (t textOnly) MarshalText() ([]byte, error) { return []byte("<" + t.S + ">"), nil }

func sptr(s string) *string { return &s }
func iptr(i int) *int       { return &i }

func appendTestValues() []any {
	tm := time.Date(2024, 1, 2, 3, 4, 5, 600, time.FixedZone("x", 3600))
	all := allTypes{
		testClaims: testClaims{Roles: []string{"admin", "<viewer>"}, Tenant: "a&b"},
		Str:        "h\u00e9llo \"q\" \\ \n\t\x01\x7f \u2028\u2029 \U0001F600 </script>",
		Bool:       true, I: -1, I8: -128, I16: 32767, I32: -5, I64: math.MinInt64,
		U: 1, U8: 255, U16: 65535, U32: math.MaxUint32, U64: math.MaxUint64, Uptr: 3,
		F32: 3.4e38, F64: 1e21,
		Strs: []string{}, Ints: []int{1, 2}, Bytes: []byte("hello\xff"), Arr: [3]int{1, 2, 3},
		Map: map[string]int{"z": 1, "a": 2, "m": 3, "": 4}, MapAny: map[string]any{"k": []any{1.5, "x", nil, true, map[string]any{}}},
		Any: map[string]any{"b": 1.0, "a": []any{}}, Ptr: iptr(7), PtrStruct: &inner{X: 1, Y: sptr("y")},
		Inner: inner{X: 2}, Inners: []inner{{X: 3}, {}}, Raw: json.RawMessage(" [ 1 , { \"a\" : \"b c\" } ] "),
		Num: "12.5e3", Time: tm, TimePtr: &tm, Addr: netip.MustParseAddr("2001:db8::1"),
		Embedded: Embedded{E: "e", Shadow: "hidden"}, EmbPtr: &EmbPtr{P: 9},
		Skipped: "no", Dash: "dash", Omit: "", Shadow: "shown", Untagged: "u", BadTag: "b",
		NamedStr: "n", StrMap: map[myString]myString{"k": "v"},
	}
	return []any{
		&all,
		allTypes{},
		&allTypes{Strs: nil, Raw: nil, F64: 1e-7, F32: 1e-7},
		testClaims{Roles: []string{"a"}, Tenant: "t"},
		omitTypes{},
		omitTypes{S: "s", B: true, I: -1, U8: 1, F: 0.5, P: iptr(0), Sl: []int{0}, M: map[string]int{"": 0}, A: 0, T: tm, Z: inner{X: 1}, ZP: &inner{}},
		&omitTypes{Sl: []int{}, M: map[string]int{}, A: ""},
		map[string]any{"x": []any{map[string]any{"deep": []any{1.0, -0.0, 1e-7, 123456789.0, 1e20, 1e21}}}},
		[]any{"a", 1.0, true, nil},
		[]string(nil),
		[]int{},
		"<>&",
		3.0,
		float32(0.1),
		float32(1e21),
		float64(float32(0.1)),
		int64(123456789012345678),
		nil,
		map[string]string{"b": "1", "a": "2"},
		[]*inner{nil, {X: 1}},
		[]valueMarshaler{{1}, {2}},
		struct {
			V  valueMarshaler
			VP *valueMarshaler
			T  textOnly
			TP *textOnly
		}{V: valueMarshaler{3}, T: textOnly{"x&y"}},
		map[string]textOnly{"k": {"v"}},
		&node{Name: "n", Kids: []node{{Name: "k"}}},
		json.RawMessage(`{"a" : 1}`),
		json.Number("0"),
		[2][]byte{nil, {}},
	}
}

func TestAppendMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, v := range appendTestValues() {
		want := stdMarshal(t, v)
		if bytes.ContainsRune([]byte(want), '\ufffd') {
			// encoding/json replaced invalid UTF-8; this package
			// refuses it (checked separately).
			continue
		}
		got, err := Append([]byte("prefix"), v)
		if err != nil {
			t.Errorf("Append(%T): %v", v, err)
			continue
		}
		if string(got[len("prefix"):]) != want {
			t.Errorf("Append(%T) =\n%s\nencoding/json:\n%s", v, got[len("prefix"):], want)
		}
	}
}

func TestAppendRoundTrip(t *testing.T) {
	t.Parallel()
	for _, v := range appendTestValues() {
		rv := reflect.ValueOf(v)
		if v == nil || rv.Kind() == reflect.Pointer && rv.IsNil() {
			continue
		}
		enc, err := Append(nil, v)
		if err != nil {
			if errors.Is(err, ErrUTF8) {
				continue
			}
			t.Fatalf("Append(%T): %v", v, err)
		}
		typ := rv.Type()
		if typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		// Compare with what encoding/json decodes from the same text:
		// fields like json:"-" and shadowed ones do not round trip.
		want := reflect.New(typ)
		if err := json.Unmarshal(enc, want.Interface()); err != nil {
			continue // a MarshalJSON whose output does not decode back
		}
		got := reflect.New(typ)
		if err := Unmarshal(enc, got.Interface(), DecodeOptions{}); err != nil {
			t.Fatalf("Unmarshal(%s) into %v: %v", enc, typ, err)
		}
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			t.Errorf("round trip of %T:\n got %+v\nwant %+v", v, got.Elem(), want.Elem())
		}
		again, err := Append(nil, got.Interface())
		if err != nil || !bytes.Equal(again, enc) {
			t.Errorf("re-encoding of %T differs:\n%s\n%s (%v)", v, enc, again, err)
		}
	}
	// A value without lossy fields round trips exactly.
	c := testClaims{Roles: []string{"a", "b"}, Tenant: "t"}
	enc, _ := Append(nil, &c)
	var back testClaims
	if err := Unmarshal(enc, &back, DecodeOptions{}); err != nil || !reflect.DeepEqual(back, c) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
}

type badMarshaler struct{}

func (badMarshaler) MarshalJSON() ([]byte, error) { return []byte(`{"a":1,"a":2}`), nil }

type errMarshaler struct{}

var errCustom = errors.New("custom")

func (errMarshaler) MarshalJSON() ([]byte, error) { return nil, errCustom }

func TestAppendErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    any
		want error
	}{
		{"\xff", ErrUTF8},
		{testClaims{Tenant: "a\xc0\x80"}, ErrUTF8},
		{map[string]int{"\xff": 1}, ErrUTF8},
		{[]byte("\xff"), nil}, // base64, no UTF-8 involved
		{math.NaN(), ErrNumber},
		{math.Inf(1), ErrNumber},
		{[]float32{float32(math.Inf(-1))}, ErrNumber},
		{badMarshaler{}, ErrSyntax},
		{json.RawMessage(`{`), ErrSyntax},
		{json.Number("01"), ErrSyntax},
		{make(chan int), ErrType},
		{errMarshaler{}, errCustom},
	}
	for _, tt := range tests {
		dst := []byte("keep")
		got, err := Append(dst, tt.v)
		if !errors.Is(err, tt.want) && !(tt.want == nil && err == nil) {
			t.Errorf("Append(%#v) = %v, want %v", tt.v, err, tt.want)
		}
		if err != nil && string(got) != "keep" {
			t.Errorf("Append(%#v) changed dst on error: %q", tt.v, got)
		}
	}
	var e *Error
	_, err := Append(nil, &allTypes{Inners: []inner{{}, {Y: sptr("\xff")}}})
	if !errors.As(err, &e) || e.Path != "Inners[1].y" {
		t.Errorf("path: %v", err)
	}
}

func TestAppendDynamic(t *testing.T) {
	t.Parallel()
	v := map[string]any{
		"f32": float32(0.1), "int": -3, "i64": int64(math.MinInt64), "u64": uint64(math.MaxUint64),
		"strs": []string{"a", "<b>"}, "nilstrs": []string(nil), "num": json.Number("1e3"),
		"named": myString("n"), "ptr": &inner{X: 1}, "nilptr": (*inner)(nil),
	}
	got, err := Append(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	if want := stdMarshal(t, v); string(got) != want {
		t.Errorf("Append = %s\nencoding/json = %s", got, want)
	}
}
