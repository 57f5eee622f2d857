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
// Every error returned by this package is an [*Error] that wraps exactly one
// of the sentinels [ErrSyntax], [ErrDuplicate], [ErrDepth], [ErrUTF8],
// [ErrNumber] and [ErrType], so callers branch with [errors.Is]. Errors
// returned by callbacks are passed through unchanged.
//
// [RFC 8259]: https://www.rfc-editor.org/rfc/rfc8259
// [RFC 8259, Section 8.2]: https://www.rfc-editor.org/rfc/rfc8259#section-8.2
// [RFC 7515, Section 4]: https://www.rfc-editor.org/rfc/rfc7515#section-4
// [RFC 7515, Section 5.2]: https://www.rfc-editor.org/rfc/rfc7515#section-5.2
// [RFC 7519, Section 4]: https://www.rfc-editor.org/rfc/rfc7519#section-4
package strictjson
