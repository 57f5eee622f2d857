// Package strictjson is a strict, allocation-conscious JSON layer for JOSE
// and JWT processing ([RFC 8259], with the restrictions of [RFC 7515,
// Section 4] and [RFC 7519, Section 4]).
//
// Most users won't need this package: it is the parser behind jose/jws and
// jose/jwt.
//
// # Strictness
//
// Where common JSON libraries are lenient, this package refuses:
//
//   - duplicate member names in any object, compared after unescaping
//     ("a" and "\u0061" are the same name) [RFC 7515, Section 5.2];
//   - invalid UTF-8 anywhere in a string, including overlong forms and
//     encoded surrogates, and \u escapes that are unpaired surrogates
//     [RFC 8259, Section 8.2];
//   - anything outside the RFC 8259 grammar: a leading byte order mark,
//     trailing data, comments, single quotes, trailing commas, raw control
//     characters in strings, and the number forms "01", "+1", ".5", "1.",
//     "NaN" and "Infinity";
//   - nesting deeper than a configurable limit ([DefaultMaxDepth] by
//     default).
//
// Member names are matched case-sensitively ([RFC 7515, Section 4]).
//
// # Go values
//
// [Unmarshal] and [Append] decode into and encode from Go values with a
// plan built once per type ([PlanFor]) and cached: field offsets and
// per-type functions, so that reflection is used only to build the plan
// and for maps, interfaces and types with JSON methods.
//
// # Compatibility
//
// Struct fields, tags, embedding, [encoding/json.Marshaler],
// [encoding/json.Unmarshaler], [encoding.TextMarshaler],
// [encoding.TextUnmarshaler], [encoding/json.RawMessage] and
// [encoding/json.Number] work as in [encoding/json], and the output of
// [Append] is that of [encoding/json.Encoder] with SetEscapeHTML(false),
// except that:
//
//   - member names match fields case-sensitively;
//   - integral numbers such as 1.0 and 1e3 decode into integer fields;
//   - the ",string" tag option and maps with non-string keys are not
//     supported;
//   - invalid UTF-8 is an error when encoding, not replaced by U+FFFD;
//   - slices and maps are freshly allocated when decoding, never merged;
//   - methods with pointer receivers are used when encoding non-pointer
//     values too.
//
// Every error returned by this package is an [*Error] that wraps exactly one
// of the sentinels [ErrSyntax], [ErrDuplicate], [ErrDepth], [ErrUTF8],
// [ErrNumber] and [ErrType], so callers branch with [errors.Is]. Errors
// returned by callbacks, and by the JSON and text methods of the values
// being decoded or encoded, are passed through unchanged.
//
// [RFC 8259]: https://www.rfc-editor.org/rfc/rfc8259
// [RFC 8259, Section 8.2]: https://www.rfc-editor.org/rfc/rfc8259#section-8.2
// [RFC 7515, Section 4]: https://www.rfc-editor.org/rfc/rfc7515#section-4
// [RFC 7515, Section 5.2]: https://www.rfc-editor.org/rfc/rfc7515#section-5.2
// [RFC 7519, Section 4]: https://www.rfc-editor.org/rfc/rfc7519#section-4
package strictjson
