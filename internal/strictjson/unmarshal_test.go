package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

type testClaims struct {
	Roles  []string `json:"roles"`
	Tenant string   `json:"tenant"`
}

type inner struct {
	X int     `json:"x"`
	Y *string `json:"y,omitempty"`
}

type Embedded struct {
	E      string
	Shadow string `json:"shadow"`
}

type EmbPtr struct {
	P int `json:"p"`
}

type conflictA struct{ Dup string }
type conflictB struct{ Dup string }

type allTypes struct {
	testClaims
	Str       string  `json:"str"`
	Bool      bool    `json:"bool"`
	I         int     `json:"i"`
	I8        int8    `json:"i8"`
	I16       int16   `json:"i16"`
	I32       int32   `json:"i32"`
	I64       int64   `json:"i64"`
	U         uint    `json:"u"`
	U8        uint8   `json:"u8"`
	U16       uint16  `json:"u16"`
	U32       uint32  `json:"u32"`
	U64       uint64  `json:"u64"`
	Uptr      uintptr `json:"uptr"`
	F32       float32 `json:"f32"`
	F64       float64 `json:"f64"`
	Strs      []string
	Ints      []int
	Bytes     []byte
	Arr       [3]int
	Map       map[string]int
	MapAny    map[string]any
	Any       any
	Ptr       *int
	PtrStruct *inner
	Inner     inner
	Inners    []inner
	Raw       json.RawMessage
	Num       json.Number
	Time      time.Time
	TimePtr   *time.Time
	Addr      netip.Addr
	Embedded
	*EmbPtr
	conflictA
	conflictB
	Skipped    string `json:"-"`
	Dash       string `json:"-,"`
	Omit       string `json:"omit,omitempty"`
	unexported int
	Shadow     string `json:"shadow"`
	Untagged   string
	BadTag     string `json:"a\"b"`
	NamedStr   myString
	StrMap     map[myString]myString
}

type myString string

// crossCheckInputs are accepted by encoding/json and by this package, with
// exact-case member names.
var crossCheckInputs = []string{
	`{}`,
	`null`,
	`{"roles":["admin","viewer"],"tenant":"acme"}`,
	`{"roles":[],"tenant":""}`,
	`{"roles":null,"tenant":null}`,
	`{"str":"h\u00e9llo \"q\" \ud83d\ude00 <&>","bool":true,"i":-42,"i8":-128,"i16":32767,"i32":-2147483648,"i64":9223372036854775807}`,
	`{"u":42,"u8":255,"u16":65535,"u32":4294967295,"u64":18446744073709551615,"uptr":7}`,
	`{"f32":3.4028234663852886e38,"f64":1.7976931348623157e308}`,
	`{"f32":1.5,"f64":-0.000001}`,
	`{"f64":1e-400}`,
	`{"f32":1e-50}`,
	`{"Strs":["a","b\n"],"Ints":[1,-2,3],"Bytes":"aGVsbG8=","Arr":[1,2]}`,
	`{"Arr":[1,2,3,4,5]}`,
	`{"Bytes":""}`,
	`{"Bytes":null,"Strs":null,"Ints":[]}`,
	`{"Map":{"a":1,"b":2},"MapAny":{"x":[1,"two",{"three":3.5}],"y":null,"z":true}}`,
	`{"Map":{},"MapAny":{}}`,
	`{"Map":null}`,
	`{"Any":{"a":[1,2,{"b":null}]}}`,
	`{"Any":[1,"x",false]}`,
	`{"Any":"s"}`,
	`{"Any":1.5}`,
	`{"Any":null}`,
	`{"Ptr":5,"PtrStruct":{"x":1,"y":"why"}}`,
	`{"Ptr":null,"PtrStruct":null}`,
	`{"Inner":{"x":7,"unknown":[1,{"deep":true}]},"Inners":[{"x":1},{"x":2,"y":"z"}]}`,
	`{"Raw":{"keep" : [1, 2]},"Num":12.5e3}`,
	`{"Raw":null}`,
	`{"Raw":"str"}`,
	`{"Time":"2024-01-02T03:04:05Z","TimePtr":"2025-06-07T08:09:10.5+02:00"}`,
	`{"Time":null,"TimePtr":null}`,
	`{"Addr":"192.0.2.1"}`,
	`{"Addr":null}`,
	`{"E":"emb","shadow":"outer","p":3}`,
	`{"Dup":"ignored","Skipped":"no","-":"dash","omit":"o","unexported":1,"Untagged":"u","BadTag":"b"}`,
	`{"NamedStr":"n","StrMap":{"k":"v"}}`,
	`{"unknown":{"a":{"b":{"c":[[[]]]}}},"another":"x"}`,
	" \t\r\n{ \"str\" : \"x\" ,\n\"i\":1 } \n",
	`{"i":-0,"f64":-0}`,
}

func TestUnmarshalCrossCheck(t *testing.T) {
	t.Parallel()
	for _, in := range crossCheckInputs {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			var want, got allTypes
			if err := json.Unmarshal([]byte(in), &want); err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			if err := Unmarshal([]byte(in), &got, DecodeOptions{}); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Unmarshal = %+v\nencoding/json = %+v", got, want)
			}
			var alias allTypes
			if err := Unmarshal([]byte(in), &alias, DecodeOptions{AliasStrings: true}); err != nil {
				t.Fatalf("Unmarshal with AliasStrings: %v", err)
			}
			if !reflect.DeepEqual(alias, want) {
				t.Errorf("Unmarshal with AliasStrings = %+v\nencoding/json = %+v", alias, want)
			}
			// Into any and map[string]any.
			var wantAny, gotAny any
			json.Unmarshal([]byte(in), &wantAny)
			if err := Unmarshal([]byte(in), &gotAny, DecodeOptions{}); err != nil {
				t.Fatalf("Unmarshal into any: %v", err)
			}
			if !reflect.DeepEqual(gotAny, wantAny) {
				t.Errorf("Unmarshal into any = %#v\nencoding/json = %#v", gotAny, wantAny)
			}
		})
	}
}

func TestUnmarshalKinds(t *testing.T) {
	t.Parallel()
	var s []any
	if err := Unmarshal([]byte(`[1,"a",null,[]]`), &s, DecodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, []any{1.0, "a", nil, []any{}}) {
		t.Errorf("got %#v", s)
	}
	var str string
	if err := Unmarshal([]byte(` "x" `), &str, DecodeOptions{}); err != nil || str != "x" {
		t.Errorf("string: %q, %v", str, err)
	}
	var m map[string]any
	if err := Unmarshal([]byte(`{"a":{"b":1}}`), &m, DecodeOptions{}); err != nil || m["a"].(map[string]any)["b"] != 1.0 {
		t.Errorf("map: %v, %v", m, err)
	}
	var tm time.Time
	if err := Unmarshal([]byte(`"2024-01-02T03:04:05Z"`), &tm, DecodeOptions{}); err != nil || tm.Year() != 2024 {
		t.Errorf("time: %v, %v", tm, err)
	}
}

func TestUnmarshalCaseSensitive(t *testing.T) {
	t.Parallel()
	// RFC 7515 §4: member names are case-sensitive, unlike in encoding/json.
	in := []byte(`{"ROLES":["admin"],"Tenant":"evil","tenant":"acme"}`)
	var c testClaims
	if err := Unmarshal(in, &c, DecodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if c.Roles != nil || c.Tenant != "acme" {
		t.Errorf("got %+v", c)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want error
		path string
	}{
		{`{"roles":["a",1]}`, ErrType, "roles[1]"},
		{`{"tenant":1}`, ErrType, "tenant"},
		{`{"roles":"admin"}`, ErrType, "roles"},
		{`{"roles":{}}`, ErrType, "roles"},
		{`[]`, ErrType, ""},
		{`"x"`, ErrType, ""},
		{`{"i8":128}`, ErrNumber, "i8"},
		{`{"i8":-129}`, ErrNumber, "i8"},
		{`{"u8":256}`, ErrNumber, "u8"},
		{`{"u":-1}`, ErrNumber, "u"},
		{`{"i":1.5}`, ErrNumber, "i"},
		{`{"i":1e100}`, ErrNumber, "i"},
		{`{"i64":9223372036854775808}`, ErrNumber, "i64"},
		{`{"f32":1e39}`, ErrNumber, "f32"},
		{`{"f64":1e309}`, ErrNumber, "f64"},
		{`{"Any":[1e309]}`, ErrNumber, "Any[0]"},
		{`{"i":"1"}`, ErrType, "i"},
		{`{"bool":"true"}`, ErrType, "bool"},
		{`{"bool":0}`, ErrType, "bool"},
		{`{"str":false}`, ErrType, "str"},
		{`{"Inner":{"x":"1"}}`, ErrType, "Inner.x"},
		{`{"Inners":[{"x":1},{"x":[]}]}`, ErrType, "Inners[1].x"},
		{`{"Map":{"k":"v"}}`, ErrType, "Map.k"},
		{`{"Addr":1}`, ErrType, "Addr"},
		{`{"Addr":"not an ip"}`, ErrType, "Addr"},
		{`{"Bytes":"!!!"}`, ErrType, "Bytes"},
		{`{"Num":"1"}`, ErrType, "Num"},
		{`{"Arr":{}}`, ErrType, "Arr"},
		{`{"PtrStruct":[]}`, ErrType, "PtrStruct"},
		{`{"str":"a","str":"b"}`, ErrDuplicate, ""},
		{`{"Inner":{"x":1,"x":2}}`, ErrDuplicate, ""},
		{`{"str":"\ud800"}`, ErrUTF8, ""},
		{"{\"str\":\"\xff\"}", ErrUTF8, ""},
		{`{"str":"a"} x`, ErrSyntax, ""},
		{``, ErrSyntax, ""},
		{`{"i":01}`, ErrSyntax, ""},
		{strings.Repeat(`{"Any":`, 33) + "1" + strings.Repeat("}", 33), ErrDepth, ""},
	}
	for _, tt := range tests {
		var v allTypes
		err := Unmarshal([]byte(tt.in), &v, DecodeOptions{})
		if !errors.Is(err, tt.want) {
			t.Errorf("Unmarshal(%s) = %v, want %v", tt.in, err, tt.want)
			continue
		}
		checkErr(t, err, tt.want)
		var e *Error
		errors.As(err, &e)
		if e.Path != tt.path {
			t.Errorf("%s: path %q, want %q (%v)", tt.in, e.Path, tt.path, err)
		}
	}
	// Non-pointer and nil targets.
	checkErr(t, Unmarshal([]byte(`{}`), allTypes{}, DecodeOptions{}), ErrType)
	checkErr(t, Unmarshal([]byte(`{}`), (*allTypes)(nil), DecodeOptions{}), ErrType)
	checkErr(t, Unmarshal([]byte(`{}`), nil, DecodeOptions{}), ErrType)
	// json.Unmarshaler errors come back unchanged.
	var tm struct{ T time.Time }
	if err := Unmarshal([]byte(`{"T":"yesterday"}`), &tm, DecodeOptions{}); err == nil || errors.Is(err, ErrType) {
		t.Errorf("time error: %v", err)
	}
}

func TestUnmarshalIntegralNumbers(t *testing.T) {
	t.Parallel()
	// Unlike encoding/json, integral numbers written with a fraction or an
	// exponent decode into integers (RFC 8259 §6 does not distinguish them).
	var v allTypes
	if err := Unmarshal([]byte(`{"i":1.0,"i64":1e3,"u8":2.55e2}`), &v, DecodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if v.I != 1 || v.I64 != 1000 || v.U8 != 255 {
		t.Errorf("got %d %d %d", v.I, v.I64, v.U8)
	}
}

func TestUnmarshalMaxDepth(t *testing.T) {
	t.Parallel()
	var v any
	in := []byte(`{"a":{"b":{"c":1}}}`)
	checkErr(t, Unmarshal(in, &v, DecodeOptions{MaxDepth: 3}), nil)
	checkErr(t, Unmarshal(in, &v, DecodeOptions{MaxDepth: 2}), ErrDepth)
	var s allTypes
	checkErr(t, Unmarshal([]byte(`{"Inner":{"x":1}}`), &s, DecodeOptions{MaxDepth: 1}), ErrDepth)
}

func TestUnmarshalFresh(t *testing.T) {
	t.Parallel()
	// Slices and maps are replaced, not merged, so no stale data survives.
	v := allTypes{Inners: []inner{{X: 1, Y: new(string)}, {X: 2}}, Map: map[string]int{"old": 1}}
	old := v.Inners
	if err := Unmarshal([]byte(`{"Inners":[{"x":5}],"Map":{"new":2}}`), &v, DecodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(v.Inners) != 1 || v.Inners[0].Y != nil || old[0].X != 1 {
		t.Errorf("slice merged: %+v", v.Inners)
	}
	if len(v.Map) != 1 || v.Map["new"] != 2 {
		t.Errorf("map merged: %v", v.Map)
	}
}

func TestUnmarshalAliasStrings(t *testing.T) {
	t.Parallel()
	data := []byte(`{"tenant":"acme","roles":["a\u0062","cd"]}`)
	for _, alias := range []bool{false, true} {
		var c testClaims
		if err := Unmarshal(data, &c, DecodeOptions{AliasStrings: alias}); err != nil {
			t.Fatal(err)
		}
		tenant := []byte(c.Tenant) // copy to compare addresses below
		_ = tenant
		inData := func(s string) bool {
			return aliases(unsafeBytes(s), data)
		}
		if inData(c.Tenant) != alias || inData(c.Roles[1]) != alias {
			t.Errorf("AliasStrings=%v: tenant aliases %v, roles[1] aliases %v", alias, inData(c.Tenant), inData(c.Roles[1]))
		}
		if inData(c.Roles[0]) {
			t.Errorf("escaped string aliases input")
		}
		if c.Roles[0] != "ab" {
			t.Errorf("roles[0] = %q", c.Roles[0])
		}
	}
}

func TestPlanErrors(t *testing.T) {
	t.Parallel()
	tests := []any{
		struct{ C chan int }{},
		struct{ F func() }{},
		struct{ X complex128 }{},
		struct {
			N int `json:"n,string"`
		}{},
		struct{ M map[int]string }{},
		struct{ P *struct{ C chan int } }{},
	}
	for _, v := range tests {
		typ := reflect.TypeOf(v)
		if _, err := PlanFor(typ, nil); !errors.Is(err, ErrType) {
			t.Errorf("PlanFor(%v) = %v, want ErrType", typ, err)
		}
		if err := Unmarshal([]byte(`{}`), reflect.New(typ).Interface(), DecodeOptions{}); !errors.Is(err, ErrType) {
			t.Errorf("Unmarshal into %v = %v, want ErrType", typ, err)
		}
		if _, err := Append(nil, v); !errors.Is(err, ErrType) {
			t.Errorf("Append(%v) = %v, want ErrType", typ, err)
		}
	}
	if _, err := PlanFor(reflect.TypeFor[int](), nil); !errors.Is(err, ErrType) {
		t.Errorf("PlanFor(int) = %v", err)
	}
}

type registered struct {
	Iss string `json:"iss"`
	Exp int64  `json:"exp"`
}

type custom struct {
	registered
	Tenant string `json:"tenant"`
	Iss    string `json:"issuer"`
}

func TestPlanSkip(t *testing.T) {
	t.Parallel()
	p, err := PlanFor(reflect.TypeFor[custom](), reflect.TypeFor[registered]())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range p.Fields() {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "tenant,issuer" {
		t.Errorf("fields %v", names)
	}
	if p.Field([]byte("exp")) != nil || p.Field([]byte("tenant")) == nil {
		t.Error("Field lookup wrong")
	}
	full, _ := PlanFor(reflect.TypeFor[custom](), nil)
	if full.Field([]byte("exp")) == nil {
		t.Error("plan without skip lacks exp")
	}
	var c custom
	var seen []string
	err = p.DecodeMembers(unsafePointer(&c), []byte(`{"iss":"me","exp":5,"tenant":"t","issuer":"x"}`), DecodeOptions{},
		func(name, value []byte) (bool, error) {
			seen = append(seen, string(name))
			if string(name) == "exp" {
				n, err := Int64(value)
				c.Exp = n
				return true, err
			}
			return false, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if c.Exp != 5 || c.registered.Iss != "" || c.Tenant != "t" || c.Iss != "x" {
		t.Errorf("got %+v", c)
	}
	if len(seen) != 4 {
		t.Errorf("claim saw %v", seen)
	}
	dst, wrote, err := p.AppendMembers([]byte(`{"iss":"me"`), unsafePointer(&c), false)
	if err != nil || !wrote || string(dst) != `{"iss":"me","tenant":"t","issuer":"x"` {
		t.Errorf("AppendMembers = %s, %v, %v", dst, wrote, err)
	}
	var empty struct {
		A string `json:"a,omitempty"`
	}
	ep, _ := PlanFor(reflect.TypeOf(empty), nil)
	dst, wrote, err = ep.AppendMembers([]byte("{"), unsafePointer(&empty), true)
	if err != nil || wrote || string(dst) != "{" {
		t.Errorf("AppendMembers(empty) = %s, %v, %v", dst, wrote, err)
	}
}

type node struct {
	Name string  `json:"name"`
	Kids []node  `json:"kids,omitempty"`
	Next *node   `json:"next,omitempty"`
	Meta *nodeKV `json:"meta,omitempty"`
}

type nodeKV map[string]node

func TestRecursiveType(t *testing.T) {
	t.Parallel()
	in := `{"name":"a","kids":[{"name":"b","next":{"name":"c"}}],"meta":{"k":{"name":"d"}}}`
	var n node
	if err := Unmarshal([]byte(in), &n, DecodeOptions{}); err != nil {
		t.Fatal(err)
	}
	out, err := Append(nil, &n)
	if err != nil || string(out) != in {
		t.Errorf("Append = %s, %v", out, err)
	}
	// A cycle fails instead of overflowing the stack.
	cyc := &node{Name: "loop"}
	cyc.Next = cyc
	if _, err := Append(nil, cyc); !errors.Is(err, ErrDepth) {
		t.Errorf("cycle: %v", err)
	}
}

func TestFloat32Range(t *testing.T) {
	t.Parallel()
	var v struct{ F float32 }
	checkErr(t, Unmarshal([]byte(`{"F":3.5e38}`), &v, DecodeOptions{}), ErrNumber)
	checkErr(t, Unmarshal([]byte(`{"F":-3.4e38}`), &v, DecodeOptions{}), nil)
	if v.F != -3.4e38 {
		t.Errorf("F = %v", v.F)
	}
	if math.IsInf(float64(v.F), 0) {
		t.Error("inf")
	}
}

func TestDecodeBytesEscaped(t *testing.T) {
	t.Parallel()
	var v struct{ B []byte }
	if err := Unmarshal([]byte(`{"B":"YWI\/Yw=="}`), &v, DecodeOptions{}); err != nil || !bytes.Equal(v.B, []byte("ab?c")) {
		t.Errorf("B = %q, %v", v.B, err)
	}
}

func TestFieldDecode(t *testing.T) {
	t.Parallel()
	p, err := PlanFor(reflect.TypeFor[allTypes](), nil)
	if err != nil {
		t.Fatal(err)
	}
	var v allTypes
	ptr := unsafePointer(&v)
	if err := p.Field([]byte("p")).Decode(ptr, []byte(`5`), DecodeOptions{}); err != nil || v.EmbPtr == nil || v.P != 5 {
		t.Errorf("promoted through embedded pointer: %v, %+v", err, v.EmbPtr)
	}
	checkErr(t, p.Field([]byte("i")).Decode(ptr, nil, DecodeOptions{}), ErrSyntax)
	if p.Field([]byte("I")) != nil || p.Field([]byte("Dup")) != nil || p.Field([]byte("Skipped")) != nil {
		t.Error("Field found a member that should not exist")
	}
	if p.Field([]byte("-")) == nil || p.Field([]byte("Untagged")) == nil || p.Field([]byte("BadTag")) == nil {
		t.Error("Field missed a member")
	}
	stop := errors.New("stop")
	err = p.DecodeMembers(ptr, []byte(`{"i":1}`), DecodeOptions{}, func(name, value []byte) (bool, error) { return false, stop })
	if err != stop {
		t.Errorf("claim error: %v", err)
	}
	checkErr(t, p.DecodeMembers(ptr, []byte(`[1]`), DecodeOptions{}, nil), ErrType)
	checkErr(t, p.DecodeMembers(ptr, []byte(`[1`), DecodeOptions{}, nil), ErrSyntax)
}
