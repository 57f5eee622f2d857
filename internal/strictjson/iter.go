package strictjson

// This file walks JSON text that has already been validated, so it checks
// only what it needs to stay within bounds.

// skipString returns the offset just past the string starting at i ('"')
// and whether it has escapes.
func skipString(data []byte, i int) (int, bool) {
	esc := false
	j := i + 1
	for {
		j = plainRun(data, j)
		if j >= len(data) {
			return len(data), esc
		}
		switch data[j] {
		case '"':
			return j + 1, esc
		case '\\':
			esc = true
			j += 2
		default:
			j++
		}
	}
}

// skipValue returns the offset just past the value starting at i.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return i
	}
	switch data[i] {
	case '"':
		end, _ := skipString(data, i)
		return end
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j, _ = skipString(data, j)
				j--
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(data)
	}
	j := i
	for j < len(data) {
		switch data[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return j
		}
		j++
	}
	return j
}

// iter walks the members or elements of a validated object or array.
type iter struct {
	data []byte
	i    int
}

func newIter(raw []byte) iter { return iter{data: raw, i: 1} }

// next positions the iterator on the next member or element, reporting
// false at the end of the container.
func (it *iter) next() bool {
	i := skipSpace(it.data, it.i)
	if i < len(it.data) && it.data[i] == ',' {
		i = skipSpace(it.data, i+1)
	}
	it.i = i
	if i >= len(it.data) {
		return false
	}
	c := it.data[i]
	return c != '}' && c != ']'
}

// element returns the next element; call after next.
func (it *iter) element() []byte {
	start := it.i
	it.i = skipValue(it.data, start)
	return it.data[start:it.i]
}

// member returns the next member's name (without quotes, still escaped if
// esc) and value; call after next.
func (it *iter) member() (name []byte, esc bool, value []byte) {
	start := it.i
	end, esc := skipString(it.data, start)
	if end-1 > start {
		name = it.data[start+1 : end-1]
	}
	i := skipSpace(it.data, end)
	if i < len(it.data) && it.data[i] == ':' {
		i++
	}
	i = skipSpace(it.data, i)
	it.i = skipValue(it.data, i)
	return name, esc, it.data[i:it.i]
}

// countElements returns the number of elements of the validated array raw.
func countElements(raw []byte) int {
	n := 0
	it := newIter(raw)
	for it.next() {
		it.element()
		n++
	}
	return n
}
