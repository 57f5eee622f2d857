package strictjson

import (
	"encoding"
	"encoding/json"
	"reflect"
	"sync"
	"unsafe"
)

// codec decodes and encodes values of one Go type through unsafe pointers
// to them. Codecs are built once per type and cached.
type codec struct {
	typ reflect.Type
	// dec decodes raw, one validated JSON value, into the value at p.
	dec func(p unsafe.Pointer, raw []byte, o DecodeOptions) error
	// enc appends the encoding of the value at p. depth counts the
	// pointers, interfaces, maps and slices followed so far, to stop on
	// cycles.
	enc func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error)
	// empty reports whether the value at p is empty for ",omitempty".
	empty func(p unsafe.Pointer) bool
	// zero reports whether the value at p is zero for ",omitzero".
	zero func(p unsafe.Pointer) bool
}

// maxEncodeDepth bounds the pointers followed while encoding, so that a
// cyclic value fails instead of exhausting the stack.
const maxEncodeDepth = 1000

var (
	marshalerType       = reflect.TypeFor[json.Marshaler]()
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	rawMessageType      = reflect.TypeFor[json.RawMessage]()
	numberType          = reflect.TypeFor[json.Number]()
	isZeroerType        = reflect.TypeFor[interface{ IsZero() bool }]()
)

var codecCache sync.Map // reflect.Type → *codec

// codecFor returns the cached codec for t, building it if needed.
func codecFor(t reflect.Type) (*codec, error) {
	if c, ok := codecCache.Load(t); ok {
		return c.(*codec), nil
	}
	b := newBuilder()
	c, err := b.codec(t)
	if err != nil {
		return nil, err
	}
	b.publish()
	return c, nil
}

// builder builds codecs for a type and the types it refers to. Codecs under
// construction are kept in building so that recursive types refer to the
// same codec; they are published to the cache only when all are complete.
type builder struct {
	building map[reflect.Type]*codec
	plans    map[reflect.Type]*Plan // plans without skip, by struct type
}

func newBuilder() *builder {
	return &builder{building: map[reflect.Type]*codec{}, plans: map[reflect.Type]*Plan{}}
}

func (b *builder) publish() {
	for t, c := range b.building {
		codecCache.LoadOrStore(t, c)
	}
	for t, p := range b.plans {
		planCache.LoadOrStore(planKey{t, nil}, p)
	}
}

// structPlan returns the plan without skip for struct type t.
func (b *builder) structPlan(t reflect.Type) (*Plan, error) {
	if p, ok := planCache.Load(planKey{t, nil}); ok {
		return p.(*Plan), nil
	}
	if p, ok := b.plans[t]; ok {
		return p, nil
	}
	p, err := b.plan(t, nil)
	if err != nil {
		return nil, err
	}
	b.plans[t] = p
	return p, nil
}

func (b *builder) codec(t reflect.Type) (*codec, error) {
	if c, ok := codecCache.Load(t); ok {
		return c.(*codec), nil
	}
	if c, ok := b.building[t]; ok {
		return c, nil
	}
	c := &codec{typ: t}
	b.building[t] = c
	c.empty = emptyFunc(t)
	c.zero = zeroFunc(t)
	var err error
	if c.dec, err = b.decoder(t); err != nil {
		return nil, err
	}
	if c.enc, err = b.encoder(t); err != nil {
		return nil, err
	}
	return c, nil
}

// emptyFunc returns the ",omitempty" test for t, as in encoding/json: false,
// 0, a nil pointer or interface, and an empty array, slice, map or string.
func emptyFunc(t reflect.Type) func(unsafe.Pointer) bool {
	switch t.Kind() {
	case reflect.Bool:
		return func(p unsafe.Pointer) bool { return !*(*bool)(p) }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		size := t.Size()
		return func(p unsafe.Pointer) bool { return loadUint(p, size) == 0 }
	case reflect.Float32:
		return func(p unsafe.Pointer) bool { return *(*float32)(p) == 0 }
	case reflect.Float64:
		return func(p unsafe.Pointer) bool { return *(*float64)(p) == 0 }
	case reflect.String:
		return func(p unsafe.Pointer) bool { return len(*(*string)(p)) == 0 }
	case reflect.Slice:
		return func(p unsafe.Pointer) bool { return (*sliceHeader)(p).len == 0 }
	case reflect.Map:
		return func(p unsafe.Pointer) bool {
			return reflect.NewAt(t, p).Elem().Len() == 0
		}
	case reflect.Pointer:
		return func(p unsafe.Pointer) bool { return *(*unsafe.Pointer)(p) == nil }
	case reflect.Interface:
		return func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().IsNil() }
	case reflect.Array:
		n := t.Len()
		return func(unsafe.Pointer) bool { return n == 0 }
	}
	return func(unsafe.Pointer) bool { return false }
}

// zeroFunc returns the ",omitzero" test for t, as in encoding/json: the
// IsZero method if t has one, and the zero value otherwise.
func zeroFunc(t reflect.Type) func(unsafe.Pointer) bool {
	type isZeroer = interface{ IsZero() bool }
	switch {
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(p unsafe.Pointer) bool {
			v := reflect.NewAt(t, p).Elem()
			return v.IsNil() || v.Interface().(isZeroer).IsZero()
		}
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return func(p unsafe.Pointer) bool {
			v := reflect.NewAt(t, p).Elem()
			return v.IsNil() || (v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil()) ||
				v.Interface().(isZeroer).IsZero()
		}
	case t.Kind() != reflect.Interface && reflect.PointerTo(t).Implements(isZeroerType):
		// *T has the methods of T too, and converting *T to an interface
		// does not allocate.
		return func(p unsafe.Pointer) bool {
			return reflect.NewAt(t, p).Interface().(isZeroer).IsZero()
		}
	}
	return func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().IsZero() }
}

type sliceHeader struct {
	data unsafe.Pointer
	len  int
	cap  int
}

func loadUint(p unsafe.Pointer, size uintptr) uint64 {
	switch size {
	case 1:
		return uint64(*(*uint8)(p))
	case 2:
		return uint64(*(*uint16)(p))
	case 4:
		return uint64(*(*uint32)(p))
	default:
		return *(*uint64)(p)
	}
}

func loadInt(p unsafe.Pointer, size uintptr) int64 {
	switch size {
	case 1:
		return int64(*(*int8)(p))
	case 2:
		return int64(*(*int16)(p))
	case 4:
		return int64(*(*int32)(p))
	default:
		return *(*int64)(p)
	}
}

func storeUint(p unsafe.Pointer, size uintptr, v uint64) {
	switch size {
	case 1:
		*(*uint8)(p) = uint8(v)
	case 2:
		*(*uint16)(p) = uint16(v)
	case 4:
		*(*uint32)(p) = uint32(v)
	default:
		*(*uint64)(p) = v
	}
}
