package server

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/internal/strictjson"
)

// maxJSONDepth bounds nesting in request bodies: Ward's requests are flat
// objects.
const maxJSONDepth = 4

// readBody reads r's body, at most limit bytes. A larger body is an error
// with code body_too_large (413).
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, auth.Errorf(codeBodyTooLarge, "The request body is larger than %d bytes.", limit)
	case err != nil:
		return nil, auth.Errorf(auth.CodeInvalidRequest, "The request body could not be read.")
	}
	return body, nil
}

// mediaType returns r's Content-Type without parameters, lower-cased, or
// "" if it is missing or malformed.
func mediaType(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}

// decodeJSON reads r's body into v, a pointer to a struct of string (or
// other plain) fields, strictly: the Content-Type must be
// application/json (415 otherwise), the body at most the configured size
// (413), and it must be exactly one JSON object with no duplicate or
// unknown members, member names matched case-sensitively, and no trailing
// data (400). If allowEmpty, an empty body leaves v unchanged and needs no
// Content-Type.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any, allowEmpty bool) error {
	body, err := readBody(w, r, s.cfg.MaxJSONBody)
	if err != nil {
		return err
	}
	if allowEmpty && len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	if mediaType(r) != "application/json" {
		return auth.Errorf(codeUnsupportedMediaType, "The request body must be JSON, sent with Content-Type: application/json.")
	}
	known := jsonFields(reflect.TypeOf(v).Elem())
	err = strictjson.ForEachMember(body, maxJSONDepth, func(name, _ []byte) error {
		if _, ok := known[string(name)]; !ok {
			return auth.Errorf(auth.CodeInvalidRequest, "Unknown field %q in the request body.", truncate(string(name), 64))
		}
		return nil
	})
	if err == nil {
		err = strictjson.Unmarshal(body, v, strictjson.DecodeOptions{MaxDepth: maxJSONDepth})
	}
	var ae *auth.Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, strictjson.ErrType):
		return auth.Errorf(auth.CodeInvalidRequest, "The request body has a field of the wrong type: %v.", err)
	case errors.Is(err, strictjson.ErrDuplicate):
		return auth.Errorf(auth.CodeInvalidRequest, "The request body repeats a field.")
	case err != nil:
		return auth.Errorf(auth.CodeInvalidRequest, "The request body is not a valid JSON object.")
	}
	return nil
}

var fieldCache sync.Map // reflect.Type → map[string]struct{}

// jsonFields returns the JSON member names of struct type t's fields.
func jsonFields(t reflect.Type) map[string]struct{} {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]struct{})
	}
	m := make(map[string]struct{}, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = struct{}{}
	}
	fieldCache.Store(t, m)
	return m
}

// parseForm reads an application/x-www-form-urlencoded body, at most the
// configured size, and refuses repeated parameters ([RFC 6749, Section
// 3.2]: "Request and response parameters MUST NOT be included more than
// once"). Parameters in the query string are ignored.
//
// [RFC 6749, Section 3.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	if mediaType(r) != "application/x-www-form-urlencoded" {
		return nil, auth.Errorf(auth.CodeInvalidRequest, "The request body must be sent with Content-Type: application/x-www-form-urlencoded.")
	}
	body, err := readBody(w, r, s.cfg.MaxFormBody)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, auth.Errorf(auth.CodeInvalidRequest, "The request body is not valid form encoding.")
	}
	for k, vs := range form {
		if len(vs) > 1 {
			return nil, auth.Errorf(auth.CodeInvalidRequest, "The parameter %q is repeated.", truncate(k, 64))
		}
	}
	return form, nil
}

// truncate cuts s to at most n bytes for use in messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
