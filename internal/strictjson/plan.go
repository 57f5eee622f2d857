package strictjson

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unsafe"
)

// Plan is the decoding and encoding plan for a struct type: its JSON members,
// resolved once from the struct's fields and tags as [encoding/json] does,
// with a precompiled decoder and encoder for each. Plans are cached and safe
// for concurrent use.
//
// Most users won't need this type: [Unmarshal] and [Append] use it. It lets
// package jwt decode the members it does not handle itself straight into a
// caller's struct.
type Plan struct {
	typ    reflect.Type
	fields []Field // in encoding order
	byName map[string]*Field
}

// Field is the plan for one JSON member of a struct type.
type Field struct {
	// Name is the member name, matched exactly.
	Name string

	path      []step // embedded pointers to follow; empty for direct fields
	offset    uintptr
	codec     *codec
	quoted    []byte // `"name":`
	omitEmpty bool
	omitZero  bool
}

// step is one embedded pointer on the way to a promoted field: the offset
// of the pointer and the type it points to.
type step struct {
	offset     uintptr
	elem       reflect.Type
	unexported bool // the embedded field is unexported: it cannot be allocated
}

type planKey struct{ t, skip reflect.Type }

var planCache sync.Map // planKey → *Plan

// PlanFor returns the plan for struct type t. Embedded fields of type skip
// or *skip (if skip is non-nil) are left out entirely, with the fields they
// would promote. It returns an error for types that cannot be decoded or
// encoded: channels, functions, complex numbers, maps with keys that are not
// strings, and fields with the ",string" tag option.
func PlanFor(t reflect.Type, skip reflect.Type) (*Plan, error) {
	key := planKey{t, skip}
	if p, ok := planCache.Load(key); ok {
		return p.(*Plan), nil
	}
	if t.Kind() != reflect.Struct {
		return nil, unsupported(t, "not a struct")
	}
	b := newBuilder()
	var p *Plan
	var err error
	if skip == nil {
		p, err = b.structPlan(t)
	} else {
		p, err = b.plan(t, skip)
	}
	if err != nil {
		return nil, err
	}
	b.publish()
	actual, _ := planCache.LoadOrStore(key, p)
	return actual.(*Plan), nil
}

// Type returns the struct type of p.
func (p *Plan) Type() reflect.Type { return p.typ }

// Fields returns the fields of p in encoding order. The caller must not
// modify them.
func (p *Plan) Fields() []Field { return p.fields }

// Field returns the field plan for the exact member name, or nil.
// It does not allocate.
func (p *Plan) Field(name []byte) *Field {
	if p.byName != nil {
		return p.byName[string(name)]
	}
	for i := range p.fields {
		f := &p.fields[i]
		if len(f.Name) == len(name) && f.Name == string(name) {
			return f
		}
	}
	return nil
}

// Decode decodes raw, one already validated JSON value, into this field of
// the struct at structPtr, a pointer to a value of the plan's type. Nil
// embedded pointers on the way to the field are allocated. Errors name the
// member path; errors from [json.Unmarshaler] implementations are returned
// as they are.
func (f *Field) Decode(structPtr unsafe.Pointer, raw []byte, opts DecodeOptions) error {
	if len(raw) == 0 {
		return &Error{Err: ErrSyntax, Offset: 0, Path: f.Name, Msg: "unexpected end of input"}
	}
	p, err := f.addr(structPtr)
	if err != nil {
		return err
	}
	if err := f.codec.dec(p, raw, opts); err != nil {
		return withPath(err, f.Name)
	}
	return nil
}

// addr returns the address of f in the struct at base, allocating nil
// embedded pointers.
func (f *Field) addr(base unsafe.Pointer) (unsafe.Pointer, error) {
	for _, s := range f.path {
		pp := (*unsafe.Pointer)(unsafe.Add(base, s.offset))
		if *pp == nil {
			if s.unexported {
				return nil, &Error{Err: ErrType, Offset: -1, Path: f.Name,
					Msg: "cannot set embedded pointer to unexported struct " + s.elem.String()}
			}
			*pp = reflect.New(s.elem).UnsafePointer()
		}
		base = *pp
	}
	return unsafe.Add(base, f.offset), nil
}

// addrRead returns the address of f in the struct at base, or nil if an
// embedded pointer on the way is nil.
func (f *Field) addrRead(base unsafe.Pointer) unsafe.Pointer {
	for _, s := range f.path {
		base = *(*unsafe.Pointer)(unsafe.Add(base, s.offset))
		if base == nil {
			return nil
		}
	}
	return unsafe.Add(base, f.offset)
}

// fieldInfo is a candidate member found while walking a struct type.
type fieldInfo struct {
	name      string
	tagged    bool
	index     []int
	typ       reflect.Type
	omitEmpty bool
	omitZero  bool
}

// typeFields resolves the JSON members of struct type t with the rules of
// encoding/json: exported fields, fields of embedded structs promoted
// breadth first, a shallower field hiding deeper ones, and two fields of the
// same name at the same depth hiding each other unless exactly one is
// tagged.
func typeFields(t, skip reflect.Type) ([]fieldInfo, error) {
	type walk struct {
		typ   reflect.Type
		index []int
	}
	var fields []fieldInfo
	var current []walk
	next := []walk{{typ: t}}
	count := map[reflect.Type]int{}
	nextCount := map[reflect.Type]int{}
	visited := map[reflect.Type]bool{}
	for len(next) > 0 {
		current, next = next, nil
		count, nextCount = nextCount, map[reflect.Type]int{}
		for _, w := range current {
			if visited[w.typ] {
				continue
			}
			visited[w.typ] = true
			for i := range w.typ.NumField() {
				sf := w.typ.Field(i)
				if sf.Anonymous {
					et := sf.Type
					if et.Kind() == reflect.Pointer {
						et = et.Elem()
					}
					if skip != nil && et == skip {
						continue
					}
					if !sf.IsExported() && et.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !isValidTag(name) {
					name = ""
				}
				var omitEmpty, omitZero bool
				for opts != "" {
					var o string
					o, opts, _ = strings.Cut(opts, ",")
					switch o {
					case "omitempty":
						omitEmpty = true
					case "omitzero":
						omitZero = true
					case "string":
						return nil, unsupported(t, "field "+sf.Name+" has the \",string\" tag option")
					}
				}
				index := append(slices.Clip(w.index), i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name != "" || !sf.Anonymous || ft.Kind() != reflect.Struct {
					f := fieldInfo{
						name: name, tagged: name != "", index: index, typ: sf.Type,
						omitEmpty: omitEmpty, omitZero: omitZero,
					}
					if f.name == "" {
						f.name = sf.Name
					}
					fields = append(fields, f)
					if count[w.typ] > 1 {
						// Make the duplicate visible to the
						// dominance rule below.
						fields = append(fields, f)
					}
					continue
				}
				nextCount[ft]++
				if nextCount[ft] == 1 {
					next = append(next, walk{typ: ft, index: index})
				}
			}
		}
	}
	slices.SortFunc(fields, func(a, b fieldInfo) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := cmp.Compare(len(a.index), len(b.index)); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	out := fields[:0]
	for i := 0; i < len(fields); {
		j := i + 1
		for j < len(fields) && fields[j].name == fields[i].name {
			j++
		}
		group := fields[i:j]
		if len(group) == 1 || len(group[0].index) < len(group[1].index) || group[0].tagged != group[1].tagged {
			out = append(out, group[0])
		}
		i = j
	}
	slices.SortFunc(out, func(a, b fieldInfo) int { return slices.Compare(a.index, b.index) })
	return out, nil
}

// isValidTag reports whether s may be used as a member name in a tag, as in
// encoding/json.
func isValidTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// plan builds the plan for struct type t.
func (b *builder) plan(t, skip reflect.Type) (*Plan, error) {
	infos, err := typeFields(t, skip)
	if err != nil {
		return nil, err
	}
	p := &Plan{typ: t, fields: make([]Field, 0, len(infos))}
	for _, fi := range infos {
		c, err := b.codec(fi.typ)
		if err != nil {
			return nil, err
		}
		f := Field{Name: fi.name, codec: c, omitEmpty: fi.omitEmpty, omitZero: fi.omitZero}
		// Walk the index path, turning it into offsets and embedded
		// pointer steps.
		st := t
		for k, idx := range fi.index {
			sf := st.Field(idx)
			f.offset += sf.Offset
			if k == len(fi.index)-1 {
				break
			}
			st = sf.Type
			if st.Kind() == reflect.Pointer {
				st = st.Elem()
				f.path = append(f.path, step{offset: f.offset, elem: st, unexported: !sf.IsExported()})
				f.offset = 0
			}
		}
		q, err := AppendString(nil, fi.name)
		if err != nil {
			return nil, unsupported(t, "member name is not valid UTF-8")
		}
		f.quoted = append(q, ':')
		p.fields = append(p.fields, f)
	}
	if len(p.fields) > 8 {
		p.byName = make(map[string]*Field, len(p.fields))
		for i := range p.fields {
			p.byName[p.fields[i].Name] = &p.fields[i]
		}
	}
	return p, nil
}

func unsupported(t reflect.Type, why string) error {
	return &Error{Err: ErrType, Offset: -1, Msg: "unsupported type " + t.String() + ": " + why}
}
