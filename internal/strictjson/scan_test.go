package strictjson

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// validateTests lists inputs for Validate with the sentinel expected (nil
// for accepted). Rows cite the rule they test: RFC 8259 sections, or RFC
// 7515 Section 5.2 / RFC 7519 Section 4 for the duplicate-name rule.
var validateTests = []struct {
	name string
	in   string
	want error
}{
	// RFC 8259 §2: grammar and whitespace.
	{"empty", "", ErrSyntax},
	{"only space", " \t\r\n", ErrSyntax},
	{"object", `{}`, nil},
	{"array", `[]`, nil},
	{"scalar string", `"x"`, nil},
	{"scalar number", `0`, nil},
	{"scalar true", `true`, nil},
	{"scalar false", `false`, nil},
	{"scalar null", `null`, nil},
	{"surrounding whitespace", " \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } }\n\t\r ", nil},
	{"vertical tab", "\v{}", ErrSyntax},
	{"form feed", "{}\f", ErrSyntax},
	{"nbsp", "\u00a0{}", ErrSyntax},
	{"leading BOM", "\ufeff{}", ErrSyntax},
	{"trailing garbage", `{}x`, ErrSyntax},
	{"two values", `{} {}`, ErrSyntax},
	{"trailing NUL", "{}\x00", ErrSyntax},
	{"trailing comma object", `{"a":1,}`, ErrSyntax},
	{"trailing comma array", `[1,]`, ErrSyntax},
	{"leading comma", `[,1]`, ErrSyntax},
	{"double comma", `[1,,2]`, ErrSyntax},
	{"missing colon", `{"a" 1}`, ErrSyntax},
	{"missing value", `{"a":}`, ErrSyntax},
	{"missing comma", `{"a":1 "b":2}`, ErrSyntax},
	{"unquoted name", `{a:1}`, ErrSyntax},
	{"number name", `{1:1}`, ErrSyntax},
	{"single quotes", `{'a':1}`, ErrSyntax},
	{"single-quoted string", `['a']`, ErrSyntax},
	{"line comment", "{}// x", ErrSyntax},
	{"block comment", "{/* x */}", ErrSyntax},
	{"hash comment", "# x\n{}", ErrSyntax},
	{"unclosed object", `{"a":1`, ErrSyntax},
	{"unclosed array", `[1`, ErrSyntax},
	{"unclosed string", `"abc`, ErrSyntax},
	{"close mismatch", `[}`, ErrSyntax},
	{"lone close", `}`, ErrSyntax},
	// RFC 8259 §3: literals are lower case.
	{"True", `True`, ErrSyntax},
	{"NULL", `NULL`, ErrSyntax},
	{"truncated true", `tru`, ErrSyntax},
	{"truex", `truex`, ErrSyntax},
	{"undefined", `undefined`, ErrSyntax},
	// RFC 8259 §6: numbers.
	{"zero", `0`, nil},
	{"minus zero", `-0`, nil},
	{"int", `123`, nil},
	{"neg int", `-123`, nil},
	{"frac", `1.5`, nil},
	{"exp", `1e5`, nil},
	{"Exp", `1E5`, nil},
	{"exp plus", `1e+5`, nil},
	{"exp minus", `1e-5`, nil},
	{"frac exp", `-0.5e-10`, nil},
	{"exp leading zeros", `1e007`, nil},
	{"huge", `1e999999999999999999`, nil},
	{"long", strings.Repeat("9", 400), nil},
	{"leading zero", `01`, ErrSyntax},
	{"neg leading zero", `-01`, ErrSyntax},
	{"double zero", `00`, ErrSyntax},
	{"plus", `+1`, ErrSyntax},
	{"leading dot", `.5`, ErrSyntax},
	{"trailing dot", `1.`, ErrSyntax},
	{"dot exp", `1.e5`, ErrSyntax},
	{"empty exp", `1e`, ErrSyntax},
	{"exp sign only", `1e+`, ErrSyntax},
	{"minus only", `-`, ErrSyntax},
	{"minus space", `- 1`, ErrSyntax},
	{"double minus", `--1`, ErrSyntax},
	{"NaN", `NaN`, ErrSyntax},
	{"Infinity", `Infinity`, ErrSyntax},
	{"neg Infinity", `-Infinity`, ErrSyntax},
	{"hex", `0x10`, ErrSyntax},
	{"in array leading zero", `[01]`, ErrSyntax},
	{"in object plus", `{"a":+1}`, ErrSyntax},
	{"digit separators", `1_000`, ErrSyntax},
	// RFC 8259 §7: strings.
	{"escapes", `"\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \uFFFF"`, nil},
	{"escaped NUL", `"\u0000"`, nil},
	{"bad escape", `"\a"`, ErrSyntax},
	{"escape x", `"\x41"`, ErrSyntax},
	{"escape quote single", `"\'"`, ErrSyntax},
	{"short u", `"\u12"`, ErrSyntax},
	{"bad hex", `"\u12G4"`, ErrSyntax},
	{"escape at end", `"\`, ErrSyntax},
	{"raw NUL", "\"\x00\"", ErrSyntax},
	{"raw newline", "\"a\nb\"", ErrSyntax},
	{"raw tab", "\"a\tb\"", ErrSyntax},
	{"raw 0x1f", "\"\x1f\"", ErrSyntax},
	{"raw DEL", "\"\x7f\"", nil},
	{"control in name", "{\"a\x01\":1}", ErrSyntax},
	// RFC 8259 §7 and §8.2: surrogates.
	{"paired surrogates", `"\uD83D\uDE00"`, nil},
	{"paired lower case", `"\ud83d\ude00"`, nil},
	{"lone high", `"\uD800"`, ErrUTF8},
	{"lone high then char", `"\uD800x"`, ErrUTF8},
	{"lone low", `"\uDC00"`, ErrUTF8},
	{"high high", `"\uD800\uD800"`, ErrUTF8},
	{"high then BMP escape", `"\uD800\u0041"`, ErrUTF8},
	{"low high", `"\uDC00\uD800"`, ErrUTF8},
	{"high then other escape", `"\uD800\n"`, ErrUTF8},
	{"lone surrogate in name", `{"\uDFFF":1}`, ErrUTF8},
	// RFC 8259 §8.1: UTF-8.
	{"utf8 2 byte", "\"\u00e9\"", nil},
	{"utf8 3 byte", "\"\u20ac\"", nil},
	{"utf8 4 byte", "\"\U0001F600\"", nil},
	{"utf8 max", "\"\U0010FFFF\"", nil},
	{"raw U+2028", "\"\u2028\"", nil},
	{"lone continuation", "\"\x80\"", ErrUTF8},
	{"invalid byte FF", "\"\xff\"", ErrUTF8},
	{"invalid byte FE", "\"\xfe\"", ErrUTF8},
	{"truncated 2 byte", "\"\xc3\"", ErrUTF8},
	{"truncated 3 byte", "\"\xe2\x82\"", ErrUTF8},
	{"truncated 4 byte", "\"\xf0\x9f\x98\"", ErrUTF8},
	{"overlong slash", "\"\xc0\xaf\"", ErrUTF8},
	{"overlong C1", "\"\xc1\xbf\"", ErrUTF8},
	{"overlong 3 byte", "\"\xe0\x80\xaf\"", ErrUTF8},
	{"overlong 4 byte", "\"\xf0\x80\x80\xaf\"", ErrUTF8},
	{"encoded surrogate D800", "\"\xed\xa0\x80\"", ErrUTF8},
	{"encoded surrogate DFFF", "\"\xed\xbf\xbf\"", ErrUTF8},
	{"encoded surrogate pair", "\"\xed\xa0\xbd\xed\xb8\x80\"", ErrUTF8},
	{"beyond U+10FFFF", "\"\xf4\x90\x80\x80\"", ErrUTF8},
	{"5 byte form", "\"\xf8\x88\x80\x80\x80\"", ErrUTF8},
	{"invalid in name", "{\"\xff\":1}", ErrUTF8},
	{"invalid outside string", "[\xc3\xa9]", ErrSyntax},
	// RFC 7515 §5.2 / RFC 7519 §4: duplicate member names.
	{"dup", `{"a":1,"a":2}`, ErrDuplicate},
	{"dup same value", `{"a":1,"a":1}`, ErrDuplicate},
	{"dup escaped", `{"a":1,"\u0061":2}`, ErrDuplicate},
	{"dup both escaped", `{"\u0061":1,"\u0061":2}`, ErrDuplicate},
	{"dup escaped slash", `{"a/b":1,"a\/b":2}`, ErrDuplicate},
	{"dup surrogate pair", "{\"\U0001F600\":1,\"\\ud83d\\ude00\":2}", ErrDuplicate},
	{"dup nested", `{"x":{"a":1,"a":2}}`, ErrDuplicate},
	{"dup in array", `[{"a":1,"a":2}]`, ErrDuplicate},
	{"dup deep", `{"x":[[{"y":{"a":1,"b":{},"a":2}}]]}`, ErrDuplicate},
	{"dup empty name", `{"":1,"":2}`, ErrDuplicate},
	{"dup after 16", manyMembers(20, 3), ErrDuplicate},
	{"dup 17th", manyMembers(16, 0), ErrDuplicate},
	{"no dup many", manyMembers(40, -1), nil},
	{"same name different objects", `{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}`, nil},
	{"case differs", `{"a":1,"A":2}`, nil},
	{"prefix", `{"a":1,"ab":2,"":3}`, nil},
	{"NUL differs", `{"a":1,"a\u0000":2}`, nil},
	{"long names same prefix", `{"abcdefghij":1,"abcdefghik":2,"abcdefgh":3,"abcdefghijk":4}`, nil},
	{"dup long name", `{"abcdefghij":1,"x":2,"abcdefgh\u0069j":3}`, ErrDuplicate},
	{"dup 8 byte name", `{"abcdefgh":1,"abcdefgh":3}`, ErrDuplicate},
	// Depth limit (RFC 8259 §9 allows implementations to set one).
	{"depth 32 arrays", strings.Repeat("[", 32) + strings.Repeat("]", 32), nil},
	{"depth 33 arrays", strings.Repeat("[", 33) + strings.Repeat("]", 33), ErrDepth},
	{"depth 32 objects", nest(32), nil},
	{"depth 33 objects", nest(33), ErrDepth},
	{"depth huge", strings.Repeat("[", 100000), ErrDepth},
}

// manyMembers returns an object with n distinct members and, if dup >= 0,
// then a repeat of member dup.
func manyMembers(n, dup int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"m` + itoa(i) + `":` + itoa(i))
	}
	if dup >= 0 {
		b.WriteString(`,"m` + itoa(dup) + `":0`)
	}
	b.WriteString("}")
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }

// nest returns n nested objects {"a":{"a":...{}}}.
func nest(n int) string {
	return strings.Repeat(`{"a":`, n-1) + "{}" + strings.Repeat("}", n-1)
}

func TestValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range validateTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Validate([]byte(tt.in), 0)
			checkErr(t, err, tt.want)
			if err == nil && !json.Valid([]byte(tt.in)) {
				t.Errorf("Validate accepted input that encoding/json rejects")
			}
		})
	}
}

func checkErr(t *testing.T, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T is not *Error", err)
	}
	if !strings.HasPrefix(err.Error(), "json: ") {
		t.Errorf("error %q lacks prefix", err)
	}
	n := 0
	for _, s := range []error{ErrSyntax, ErrDuplicate, ErrDepth, ErrUTF8, ErrNumber, ErrType} {
		if errors.Is(err, s) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("error %v wraps %d sentinels", err, n)
	}
}

func TestValidateMaxDepth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		maxDepth int
		want     error
	}{
		{`1`, 1, nil},
		{`[]`, 1, nil},
		{`{}`, 1, nil},
		{`[[]]`, 1, ErrDepth},
		{`{"a":{}}`, 1, ErrDepth},
		{`{"a":[]}`, 2, nil},
		{`{"a":[{}]}`, 2, ErrDepth},
		{`{"a":[{}]}`, 3, nil},
		{`[[[[[]]]]]`, 5, nil},
		{`[[[[[]]]]]`, 4, ErrDepth},
		{`[[[[[]]]]]`, -1, nil},
	}
	for _, tt := range tests {
		checkErr(t, Validate([]byte(tt.in), tt.maxDepth), tt.want)
	}
}

func TestForEachMember(t *testing.T) {
	t.Parallel()
	in := " {\"a\" : 1 , \"b\\u0063\":\t[1, {\"x\":null}] ,\"\":\"s\\n\", \"\U0001F600\":{} } "
	type kv struct{ k, v string }
	var got []kv
	err := ForEachMember([]byte(in), 0, func(name, value []byte) error {
		got = append(got, kv{string(name), string(value)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []kv{{"a", "1"}, {"bc", `[1, {"x":null}]`}, {"", `"s\n"`}, {"\U0001F600", "{}"}}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("member %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestForEachMemberErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want error
		n    int // members seen before the error
	}{
		{`[]`, ErrSyntax, 0},
		{`"x"`, ErrSyntax, 0},
		{``, ErrSyntax, 0},
		{`{"a":1,"a":2}`, ErrDuplicate, 1},
		{`{"a":1,"\u0061":2}`, ErrDuplicate, 1},
		{`{"a":1,"b":{"c":1,"c":1}}`, ErrDuplicate, 1},
		{`{"a":1} x`, ErrSyntax, 1},
		{`{"a":1,"b":"\uD800"}`, ErrUTF8, 1},
		{`{"a":{"b":{}}}`, ErrDepth, 0}, // maxDepth 2
	}
	for _, tt := range tests {
		n := 0
		err := ForEachMember([]byte(tt.in), 2, func(name, value []byte) error {
			n++
			return nil
		})
		checkErr(t, err, tt.want)
		if n != tt.n {
			t.Errorf("%s: fn called %d times, want %d", tt.in, n, tt.n)
		}
	}
	// Errors from fn are returned as they are.
	stop := errors.New("stop")
	n := 0
	err := ForEachMember([]byte(`{"a":1,"b":2}`), 0, func(name, value []byte) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("got %v after %d calls, want stop after 1", err, n)
	}
}

func TestForEachMemberAliasing(t *testing.T) {
	t.Parallel()
	data := []byte(`{"plain":"v","esc\u0061ped":"w"}`)
	err := ForEachMember(data, 0, func(name, value []byte) error {
		if !aliases(value, data) {
			t.Errorf("value %q does not alias data", value)
		}
		if got, want := aliases(name, data), string(name) == "plain"; got != want {
			t.Errorf("name %q aliases data: %v, want %v", name, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// aliases reports whether the non-empty slice b points into data.
func aliases(b, data []byte) bool {
	if len(b) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(&b[0]))
	d := uintptr(unsafe.Pointer(&data[0]))
	return p >= d && p < d+uintptr(len(data))
}

func TestForEachElement(t *testing.T) {
	t.Parallel()
	var got []string
	err := ForEachElement([]byte(` [ 1 ,"a", {"b":[]} ,null,[ ] ] `), 0, func(v []byte) error {
		got = append(got, string(v))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1", `"a"`, `{"b":[]}`, "null", "[ ]"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
	checkErr(t, ForEachElement([]byte(`{}`), 0, func([]byte) error { return nil }), ErrSyntax)
	checkErr(t, ForEachElement([]byte(`[1,]`), 0, func([]byte) error { return nil }), ErrSyntax)
	checkErr(t, ForEachElement([]byte(`[[[]]]`), 2, func([]byte) error { return nil }), ErrDepth)
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Kind
	}{
		{"", Invalid}, {"x", Invalid}, {"null", Null}, {"true", Bool}, {"false", Bool},
		{"0", Number}, {"-1", Number}, {"9", Number}, {`""`, String}, {"[]", Array}, {"{}", Object},
	}
	for _, tt := range tests {
		if got := KindOf([]byte(tt.in)); got != tt.want {
			t.Errorf("KindOf(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestErrorOffset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in  string
		off int
	}{
		{`{"a":1,"a":2}`, 7},
		{`{"a":01}`, 6},
		{"[\"\xff\"]", 2},
		{`[1,]`, 3},
	}
	for _, tt := range tests {
		var e *Error
		if err := Validate([]byte(tt.in), 0); !errors.As(err, &e) || e.Offset != tt.off {
			t.Errorf("Validate(%q) = %v, want offset %d", tt.in, err, tt.off)
		}
	}
}
