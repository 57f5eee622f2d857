package auth

import (
	"bufio"
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// PasswordPolicy says which passwords are accepted for new accounts and
// password changes. Existing passwords are never re-checked at login.
type PasswordPolicy struct {
	// MinLength is the least number of characters (Unicode code points).
	// Zero: 10. Less than 8 is refused.
	MinLength int
	// MaxLength is the most characters. Zero: 256; at most 1024 (longer
	// inputs only cost hashing time).
	MaxLength int
	// AllowCommon turns off the refusal of common and guessable
	// passwords. Use only in tests.
	AllowCommon bool
}

func (p PasswordPolicy) withDefaults() (PasswordPolicy, error) {
	if p.MinLength == 0 {
		p.MinLength = 10
	}
	if p.MaxLength == 0 {
		p.MaxLength = 256
	}
	if p.MinLength < 8 || p.MaxLength > 1024 || p.MaxLength < p.MinLength {
		return p, Errorf(CodeInvalidRequest, "password policy lengths %d..%d are out of range (8..1024)", p.MinLength, p.MaxLength)
	}
	return p, nil
}

//go:embed weakpasswords.txt
var weakPasswordsText string

// weakList holds common passwords and the words they are made of.
type weakList struct{ words map[string]struct{} }

var defaultWeakList = sync.OnceValue(func() *weakList {
	w := &weakList{words: make(map[string]struct{}, 4096)}
	sc := bufio.NewScanner(strings.NewReader(weakPasswordsText))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		w.words[strings.ToLower(line)] = struct{}{}
	}
	return w
})

func (w *weakList) has(s string) bool {
	_, ok := w.words[s]
	return ok
}

// CheckPassword returns nil if password satisfies the policy, or an
// [*Error] with [CodeWeakPassword] whose message says why it is refused,
// in words that may be shown to the user. email, if not empty, is the
// account's address: a password containing its local part is refused.
func (s *Service) CheckPassword(password, email string) error {
	return checkPassword(s.cfg.PasswordPolicy, s.weak, password, email)
}

func checkPassword(p PasswordPolicy, weak *weakList, password, email string) error {
	refuse := func(why string) error { return &Error{Code: CodeWeakPassword, Message: why} }
	if !utf8.ValidString(password) {
		return refuse("The password is not valid UTF-8 text.")
	}
	n := utf8.RuneCountInString(password)
	if n < p.MinLength {
		return Errorf(CodeWeakPassword, "The password is too short: use at least %d characters.", p.MinLength)
	}
	if n > p.MaxLength {
		return Errorf(CodeWeakPassword, "The password is too long: use at most %d characters.", p.MaxLength)
	}
	for _, r := range password {
		if unicode.IsControl(r) {
			return refuse("The password contains a control character.")
		}
	}
	if p.AllowCommon {
		return nil
	}
	lower := strings.ToLower(password)
	if distinct(lower) < 4 {
		return refuse("The password repeats too few different characters.")
	}
	if isRepetition(lower) {
		return refuse("The password is a short pattern repeated.")
	}
	if isSequence(lower) {
		return refuse("The password is a simple sequence of keys or letters.")
	}
	if local, _, ok := strings.Cut(strings.ToLower(email), "@"); ok && utf8.RuneCountInString(local) >= 3 && strings.Contains(lower, local) {
		return refuse("The password contains your email address.")
	}
	if weak.has(lower) {
		return refuse("The password is one of the most common passwords.")
	}
	core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	if weak.has(core) || weak.has(unleet(core)) || weak.has(unleet(lower)) {
		return refuse("The password is a common word or password with a few digits or symbols added.")
	}
	return nil
}

func distinct(s string) int {
	seen := make(map[rune]struct{})
	for _, r := range s {
		seen[r] = struct{}{}
	}
	return len(seen)
}

// isRepetition reports whether s is a unit of at most 4 characters
// repeated ("abcabcabcabc").
func isRepetition(s string) bool {
	rs := []rune(s)
	for unit := 1; unit <= 4 && unit < len(rs); unit++ {
		rep := true
		for i := unit; i < len(rs); i++ {
			if rs[i] != rs[i-unit] {
				rep = false
				break
			}
		}
		if rep {
			return true
		}
	}
	return false
}

// sequences are keyboard rows and alphabets; a password that is a run of
// one of them, forwards or backwards, is refused.
var sequences = []string{
	"abcdefghijklmnopqrstuvwxyz",
	"01234567890123456789",
	"qwertyuiopasdfghjklzxcvbnm",
	"qwertzuiopasdfghjklyxcvbnm",
	"azertyuiopqsdfghjklmwxcvbn",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
	"!@#$%^&*()_+",
}

func isSequence(s string) bool {
	rev := []rune(s)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	for _, seq := range sequences {
		if strings.Contains(seq, s) || strings.Contains(seq, string(rev)) {
			return true
		}
	}
	return false
}

// unleet undoes common letter substitutions ("p@ssw0rd" → "password").
func unleet(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '0':
			return 'o'
		case '1', '!':
			return 'i'
		case '3':
			return 'e'
		case '4', '@':
			return 'a'
		case '5', '$':
			return 's'
		case '7':
			return 't'
		case '8':
			return 'b'
		}
		return r
	}, s)
}
