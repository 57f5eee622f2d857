package redis

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wardauth/ward/auth"
)

// Limits of bus messages.
const (
	// MaxMessageSize is the largest message the bus sends or reads, in
	// bytes.
	MaxMessageSize = 256 << 10
	// MaxRevocationsPerMessage is the most revocations in one message;
	// [Bus.Publish] splits larger batches.
	MaxRevocationsPerMessage = 500
	// MaxSubjectLen is the longest revocation subject a message carries.
	MaxSubjectLen = 1024
	// BusKeySize is the size of the key that authenticates messages.
	BusKeySize = 32
)

// messageVersion is the first byte of every message.
const messageVersion = 1

// ErrBadMessage is returned by [DecodeMessage] for a message that is
// malformed, too large or not authenticated under the key.
var ErrBadMessage = errors.New("redis: bad bus message")

// Message is what the bus carries: from one instance, revocations or a key
// change.
type Message struct {
	// Origin identifies the instance that sent it, so that it can skip
	// its own.
	Origin string `json:"o"`
	// KeysChanged says the keyring changed in the store.
	KeysChanged bool `json:"k,omitempty"`
	// Revocations are durable in the store.
	Revocations []Revocation `json:"r,omitempty"`
}

// Revocation is an [auth.Revocation] on the wire.
type Revocation struct {
	Kind      string    `json:"t"`
	Subject   string    `json:"s"`
	NotBefore time.Time `json:"n"`
	Expires   time.Time `json:"e"`
}

// BusKey derives the key that authenticates bus messages from the
// key-encryption key every instance holds (HKDF-SHA256), so that
// instances agree on it with no more configuration and a client of Redis
// without the key-encryption key cannot forge messages.
func BusKey(kek []byte) []byte {
	k, err := hkdf.Key(sha256.New, kek, nil, "ward redis bus v1", BusKeySize)
	if err != nil { // only for a key length HKDF cannot give
		panic(err)
	}
	return k
}

// EncodeMessage returns m as one bus message authenticated under key: a
// version byte, the HMAC-SHA256 of the rest, and the JSON of m.
func EncodeMessage(m *Message, key []byte) ([]byte, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+sha256.Size, 1+sha256.Size+len(body))
	out[0] = messageVersion
	out = append(out, body...)
	mac := hmac.New(sha256.New, key)
	mac.Write(out[1+sha256.Size:])
	mac.Sum(out[1:1])
	if len(out) > MaxMessageSize {
		return nil, fmt.Errorf("redis: bus message of %d bytes exceeds %d", len(out), MaxMessageSize)
	}
	return out, nil
}

// DecodeMessage reads a message written by [EncodeMessage] under key. It
// checks the MAC before it reads anything else, and refuses (with
// [ErrBadMessage]) a message over [MaxMessageSize], with more than
// [MaxRevocationsPerMessage] revocations, an unknown revocation kind, an
// empty subject or one over [MaxSubjectLen], or members it does not know.
func DecodeMessage(b, key []byte) (*Message, error) {
	if len(b) > MaxMessageSize || len(b) < 1+sha256.Size || b[0] != messageVersion {
		return nil, ErrBadMessage
	}
	body := b[1+sha256.Size:]
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), b[1:1+sha256.Size]) {
		return nil, fmt.Errorf("%w: not authenticated", ErrBadMessage)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var m Message
	if err := dec.Decode(&m); err != nil || dec.More() {
		return nil, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	if len(m.Revocations) > MaxRevocationsPerMessage {
		return nil, fmt.Errorf("%w: %d revocations", ErrBadMessage, len(m.Revocations))
	}
	for _, r := range m.Revocations {
		switch r.Kind {
		case auth.RevokeToken, auth.RevokeSession, auth.RevokeUser, auth.RevokeKey:
		default:
			return nil, fmt.Errorf("%w: revocation kind %q", ErrBadMessage, r.Kind)
		}
		if r.Subject == "" || len(r.Subject) > MaxSubjectLen {
			return nil, fmt.Errorf("%w: revocation subject of %d bytes", ErrBadMessage, len(r.Subject))
		}
	}
	return &m, nil
}

func toWire(revs []auth.Revocation) []Revocation {
	out := make([]Revocation, 0, len(revs))
	for _, r := range revs {
		if r.Subject == "" || len(r.Subject) > MaxSubjectLen {
			continue // not one a message may carry: the store sync brings it
		}
		out = append(out, Revocation{Kind: r.Kind, Subject: r.Subject, NotBefore: r.NotBefore, Expires: r.Expires})
	}
	return out
}

func fromWire(revs []Revocation) []auth.Revocation {
	out := make([]auth.Revocation, len(revs))
	for i, r := range revs {
		out[i] = auth.Revocation{Kind: r.Kind, Subject: r.Subject, NotBefore: r.NotBefore, Expires: r.Expires}
	}
	return out
}
