package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strings"
)

// RefreshTokenPrefix starts every refresh token.
const RefreshTokenPrefix = "wrt_"

const (
	refreshVersion = 1
	sessionIDLen   = 16
	refreshTagLen  = sha256.Size
	refreshRawLen  = 1 + sessionIDLen + 8 + refreshTagLen
)

// refreshToken is a decoded refresh token whose MAC is valid.
type refreshToken struct {
	sessionID string // hex
	counter   uint64
}

// makeRefreshToken returns the refresh token of session sid (hex) at
// counter, under the MAC secret mac.
func makeRefreshToken(mac []byte, sid string, counter uint64) string {
	raw := make([]byte, 0, refreshRawLen)
	raw = append(raw, refreshVersion)
	raw, _ = hex.AppendDecode(raw, []byte(sid))
	raw = binary.BigEndian.AppendUint64(raw, counter)
	m := hmac.New(sha256.New, mac)
	m.Write(raw)
	raw = m.Sum(raw)
	return RefreshTokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
}

// parseRefreshToken decodes tok and checks its MAC in constant time. It
// returns false for anything that is not a valid token of this server.
func parseRefreshToken(mac []byte, tok string) (refreshToken, bool) {
	body, ok := strings.CutPrefix(tok, RefreshTokenPrefix)
	if !ok || base64.RawURLEncoding.EncodedLen(refreshRawLen) != len(body) {
		return refreshToken{}, false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil || len(raw) != refreshRawLen || raw[0] != refreshVersion {
		return refreshToken{}, false
	}
	msg, tag := raw[:refreshRawLen-refreshTagLen], raw[refreshRawLen-refreshTagLen:]
	m := hmac.New(sha256.New, mac)
	m.Write(msg)
	if !hmac.Equal(m.Sum(nil), tag) {
		return refreshToken{}, false
	}
	return refreshToken{
		sessionID: hex.EncodeToString(msg[1 : 1+sessionIDLen]),
		counter:   binary.BigEndian.Uint64(msg[1+sessionIDLen:]),
	}, true
}

// newID returns n random bytes in lower-case hex.
func newID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newTokenID returns a random "jti": 16 bytes in base64url.
func newTokenID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// validHexID reports whether s is 2*n lower-case hex digits.
func validHexID(s string, n int) bool {
	if len(s) != 2*n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
