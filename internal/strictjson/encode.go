package strictjson

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"unsafe"
)

// Append appends the JSON encoding of v to dst. It encodes as
// [json.Marshal] does, with these differences: '<', '>' and '&' are not
// escaped, a string that is not valid UTF-8 is an error wrapping [ErrUTF8]
// (never replaced by U+FFFD), NaN and infinities are errors wrapping
// [ErrNumber], and methods with pointer receivers ([json.Marshaler],
// [encoding.TextMarshaler]) are used even when v is not a pointer. Map keys
// are sorted, struct members come in field order, ",omitempty" and
// ",omitzero" are honoured, and the output of [json.Marshaler]
// implementations is validated and appended compactly.
//
// Pass a pointer to avoid copying v. On error, Append returns dst
// unchanged.
func Append(dst []byte, v any) ([]byte, error) {
	orig := len(dst)
	out, err := appendAny(dst, v, 0)
	if err != nil {
		return dst[:orig], err
	}
	return out, nil
}

// AppendMembers appends the members of the struct at structPtr, a pointer to
// a value of the plan's type, as "name":value pairs separated by commas,
// without braces. If first is false, a comma is written before the first
// member written. It reports whether any member was written.
func (p *Plan) AppendMembers(dst []byte, structPtr unsafe.Pointer, first bool) ([]byte, bool, error) {
	return p.appendMembers(dst, structPtr, first, 0)
}

func (p *Plan) appendMembers(dst []byte, base unsafe.Pointer, first bool, depth int) ([]byte, bool, error) {
	wrote := false
	for i := range p.fields {
		f := &p.fields[i]
		fp := f.addrRead(base)
		if fp == nil || (f.omitEmpty && f.codec.empty(fp)) || (f.omitZero && f.codec.zero(fp)) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, f.quoted...)
		var err error
		if dst, err = f.codec.enc(dst, fp, depth); err != nil {
			return dst, wrote, withPath(err, f.Name)
		}
		wrote = true
	}
	return dst, wrote, nil
}

func depthError() error {
	return newError(ErrDepth, -1, "value nested too deep or cyclic")
}

// appendAny appends the encoding of the dynamic value x.
func appendAny(dst []byte, x any, depth int) ([]byte, error) {
	switch x := x.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return AppendString(dst, x)
	case bool:
		return strconv.AppendBool(dst, x), nil
	case float64:
		return appendFloat(dst, x, 64)
	case float32:
		return appendFloat(dst, float64(x), 32)
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), nil
	case []string:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = AppendString(dst, e); err != nil {
				return dst, withPath(err, "["+strconv.Itoa(i)+"]")
			}
		}
		return append(dst, ']'), nil
	case []any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		if depth++; depth > maxEncodeDepth {
			return dst, depthError()
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendAny(dst, e, depth); err != nil {
				return dst, withPath(err, "["+strconv.Itoa(i)+"]")
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		if depth++; depth > maxEncodeDepth {
			return dst, depthError()
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = AppendString(dst, k); err != nil {
				return dst, err
			}
			dst = append(dst, ':')
			if dst, err = appendAny(dst, x[k], depth); err != nil {
				return dst, withPath(err, k)
			}
		}
		return append(dst, '}'), nil
	}
	rv := reflect.ValueOf(x)
	t := rv.Type()
	if t.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return append(dst, "null"...), nil
		}
		c, err := codecFor(t.Elem())
		if err != nil {
			return dst, err
		}
		if depth++; depth > maxEncodeDepth {
			return dst, depthError()
		}
		return c.enc(dst, rv.UnsafePointer(), depth)
	}
	c, err := codecFor(t)
	if err != nil {
		return dst, err
	}
	pv := reflect.New(t)
	pv.Elem().Set(rv)
	return c.enc(dst, pv.UnsafePointer(), depth)
}

// appendFloat formats f as encoding/json does: like ES6, with exponents only
// for very large and very small magnitudes.
func appendFloat(dst []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, newError(ErrNumber, -1, "unsupported value "+strconv.FormatFloat(f, 'g', -1, bits))
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		// Clean up e-09 to e-9.
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// appendCompact appends the validated JSON text src without insignificant
// whitespace.
func appendCompact(dst, src []byte) []byte {
	start := 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '"':
			i, _ = skipString(src, i)
			i--
		case ' ', '\t', '\n', '\r':
			dst = append(dst, src[start:i]...)
			start = i + 1
		}
	}
	return append(dst, src[start:]...)
}

// appendMarshaled validates out, the output of a MarshalJSON method of t,
// and appends it compactly.
func appendMarshaled(dst, out []byte, t reflect.Type) ([]byte, error) {
	if err := Validate(out, maxEncodeDepth); err != nil {
		return dst, &Error{Err: ErrSyntax, Offset: -1, Msg: "invalid output from MarshalJSON of " + t.String() + ": " + err.Error()}
	}
	return appendCompact(dst, out), nil
}

// encoder returns the encoding function for t.
func (b *builder) encoder(t reflect.Type) (func([]byte, unsafe.Pointer, int) ([]byte, error), error) {
	kind := t.Kind()
	if t == rawMessageType {
		return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
			m := *(*[]byte)(p)
			if m == nil {
				return append(dst, "null"...), nil
			}
			return appendMarshaled(dst, m, t)
		}, nil
	}
	if kind != reflect.Pointer && kind != reflect.Interface {
		pt := reflect.PointerTo(t)
		if pt.Implements(marshalerType) {
			return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
				out, err := reflect.NewAt(t, p).Interface().(json.Marshaler).MarshalJSON()
				if err != nil {
					return dst, err
				}
				return appendMarshaled(dst, out, t)
			}, nil
		}
		if pt.Implements(textMarshalerType) {
			return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
				out, err := reflect.NewAt(t, p).Interface().(encoding.TextMarshaler).MarshalText()
				if err != nil {
					return dst, err
				}
				return AppendString(dst, unsafe.String(unsafe.SliceData(out), len(out)))
			}, nil
		}
	}
	if t == numberType {
		return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
			s := *(*string)(p)
			if s == "" {
				s = "0"
			}
			if err := checkNumber([]byte(s)); err != nil {
				return dst, &Error{Err: ErrSyntax, Offset: -1, Msg: "invalid number literal " + strconv.Quote(s)}
			}
			return append(dst, s...), nil
		}, nil
	}
	switch kind {
	case reflect.Bool:
		return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
			return strconv.AppendBool(dst, *(*bool)(p)), nil
		}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		size := t.Size()
		return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
			return strconv.AppendInt(dst, loadInt(p, size), 10), nil
		}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		size := t.Size()
		return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
			return strconv.AppendUint(dst, loadUint(p, size), 10), nil
		}, nil
	case reflect.Float32:
		return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
			return appendFloat(dst, float64(*(*float32)(p)), 32)
		}, nil
	case reflect.Float64:
		return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
			return appendFloat(dst, *(*float64)(p), 64)
		}, nil
	case reflect.String:
		return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
			return AppendString(dst, *(*string)(p))
		}, nil
	case reflect.Pointer:
		ec, err := b.codec(t.Elem())
		if err != nil {
			return nil, err
		}
		return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
			ep := *(*unsafe.Pointer)(p)
			if ep == nil {
				return append(dst, "null"...), nil
			}
			if depth++; depth > maxEncodeDepth {
				return dst, depthError()
			}
			return ec.enc(dst, ep, depth)
		}, nil
	case reflect.Interface:
		return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
			var x any
			if t.NumMethod() == 0 {
				x = *(*any)(p)
			} else {
				v := reflect.NewAt(t, p).Elem()
				if v.IsNil() {
					return append(dst, "null"...), nil
				}
				x = v.Elem().Interface()
			}
			if depth++; depth > maxEncodeDepth {
				return dst, depthError()
			}
			return appendAny(dst, x, depth)
		}, nil
	case reflect.Slice:
		et := t.Elem()
		if et.Kind() == reflect.Uint8 && !reflect.PointerTo(et).Implements(marshalerType) && !reflect.PointerTo(et).Implements(textMarshalerType) {
			return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
				s := *(*[]byte)(p)
				if s == nil {
					return append(dst, "null"...), nil
				}
				dst = append(dst, '"')
				dst = base64.StdEncoding.AppendEncode(dst, s)
				return append(dst, '"'), nil
			}, nil
		}
		ec, err := b.codec(et)
		if err != nil {
			return nil, err
		}
		size := et.Size()
		return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
			sh := (*sliceHeader)(p)
			if sh.data == nil {
				return append(dst, "null"...), nil
			}
			if depth++; depth > maxEncodeDepth {
				return dst, depthError()
			}
			return appendElements(dst, ec, sh.data, sh.len, size, depth)
		}, nil
	case reflect.Array:
		ec, err := b.codec(t.Elem())
		if err != nil {
			return nil, err
		}
		size := t.Elem().Size()
		n := t.Len()
		return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
			return appendElements(dst, ec, p, n, size, depth)
		}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, unsupported(t, "map key type is not a string")
		}
		ec, err := b.codec(t.Elem())
		if err != nil {
			return nil, err
		}
		return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
			mv := reflect.NewAt(t, p).Elem()
			if mv.IsNil() {
				return append(dst, "null"...), nil
			}
			if depth++; depth > maxEncodeDepth {
				return dst, depthError()
			}
			type entry struct {
				key string
				val reflect.Value
			}
			entries := make([]entry, 0, mv.Len())
			for it := mv.MapRange(); it.Next(); {
				entries = append(entries, entry{it.Key().String(), it.Value()})
			}
			slices.SortFunc(entries, func(a, b entry) int {
				if a.key < b.key {
					return -1
				}
				if a.key > b.key {
					return 1
				}
				return 0
			})
			tmp := reflect.New(t.Elem())
			dst = append(dst, '{')
			for i, e := range entries {
				if i > 0 {
					dst = append(dst, ',')
				}
				var err error
				if dst, err = AppendString(dst, e.key); err != nil {
					return dst, err
				}
				dst = append(dst, ':')
				tmp.Elem().Set(e.val)
				if dst, err = ec.enc(dst, tmp.UnsafePointer(), depth); err != nil {
					return dst, withPath(err, e.key)
				}
			}
			return append(dst, '}'), nil
		}, nil
	case reflect.Struct:
		plan, err := b.structPlan(t)
		if err != nil {
			return nil, err
		}
		return func(dst []byte, p unsafe.Pointer, depth int) ([]byte, error) {
			dst = append(dst, '{')
			dst, _, err := plan.appendMembers(dst, p, true, depth)
			if err != nil {
				return dst, err
			}
			return append(dst, '}'), nil
		}, nil
	}
	return nil, unsupported(t, "cannot encode "+kind.String())
}

func appendElements(dst []byte, ec *codec, base unsafe.Pointer, n int, size uintptr, depth int) ([]byte, error) {
	dst = append(dst, '[')
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = ec.enc(dst, unsafe.Add(base, uintptr(i)*size), depth); err != nil {
			return dst, withPath(err, "["+strconv.Itoa(i)+"]")
		}
	}
	return append(dst, ']'), nil
}
