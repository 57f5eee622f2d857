package auth

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// User is an account. PasswordHash is an argon2id PHC string; it never
// leaves the service through the server's API.
type User struct {
	ID    string // random, 32 lower-case hex digits; the "sub" of its tokens
	Email string // as normalized by [NormalizeEmail]
	// PasswordHash is "$argon2id$v=19$m=…,t=…,p=…$salt$hash".
	PasswordHash string
	Roles        []string // sorted, distinct; put in the "roles" claim
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// PasswordChangedAt is when the password was set or last changed.
	PasswordChangedAt time.Time
}

// EmailKey returns the key under which an email address is unique: the
// normalized address, lower-cased as a whole. Mail providers treat the
// local part case-insensitively in practice, so "Ann@x.org" and "ann@x.org"
// are one account, while [User.Email] keeps the case the user typed.
func EmailKey(email string) string { return strings.ToLower(email) }

// NormalizeEmail returns email with surrounding white space removed and the
// domain lower-cased, or an [*Error] with [CodeInvalidRequest] if it is not
// a plausible address: exactly one "@", a non-empty local part of at most
// 64 bytes, a domain of dot-separated labels of letters, digits and
// hyphens, at most 254 bytes in all, and no white space or control
// characters. The local part's case is kept (see [EmailKey]).
func NormalizeEmail(email string) (string, error) {
	bad := func(why string) (string, error) {
		return "", Errorf(CodeInvalidRequest, "invalid email address: %s", why)
	}
	email = strings.TrimSpace(email)
	if email == "" {
		return bad("empty")
	}
	if len(email) > 254 || !utf8.ValidString(email) {
		return bad("too long or not UTF-8")
	}
	at := strings.LastIndexByte(email, '@')
	if at < 0 || strings.Count(email, "@") != 1 {
		return bad(`it must contain exactly one "@"`)
	}
	local, domain := email[:at], strings.ToLower(email[at+1:])
	if local == "" || len(local) > 64 {
		return bad("the part before \"@\" must have 1 to 64 characters")
	}
	for _, r := range local {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '"' || r == '\\' || r == ',' || r == '<' || r == '>' || r == ';' {
			return bad("the part before \"@\" contains a character that is not allowed")
		}
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return bad("misplaced dot")
	}
	if domain == "" || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return bad("invalid domain")
	}
	for label := range strings.SplitSeq(domain, ".") {
		if len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return bad("invalid domain")
		}
		for _, r := range label {
			if !(r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return bad("invalid domain")
			}
		}
	}
	out := local + "@" + domain
	if len(out) > 254 { // lower-casing can lengthen UTF-8
		return bad("too long or not UTF-8")
	}
	return out, nil
}

// maxRoles bounds the roles of one user.
const maxRoles = 32

// NormalizeRoles returns roles sorted and without duplicates, or an
// [*Error] with [CodeInvalidRequest] if a role is empty, longer than 64
// bytes, or holds anything but ASCII letters, digits and "_-.:".
func NormalizeRoles(roles []string) ([]string, error) {
	if len(roles) > maxRoles {
		return nil, Errorf(CodeInvalidRequest, "at most %d roles", maxRoles)
	}
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		if !validName(r, 64) {
			return nil, Errorf(CodeInvalidRequest, "invalid role %q: use 1 to 64 letters, digits and _-.:", r)
		}
		out = append(out, r)
	}
	return sortedUnique(out), nil
}

// validName reports whether s is 1 to max bytes of ASCII letters, digits
// and "_-.:" (roles and scopes).
func validName(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}
