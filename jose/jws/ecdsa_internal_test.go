package jws

import (
	"bytes"
	"encoding/asn1"
	"encoding/json"
	"math/big"
	"os"
	"testing"

	"github.com/wardauth/ward/internal/base64url"
)

// derSig is the ASN.1 structure of an ECDSA signature (RFC 3279, Section
// 2.2.3), for cross-checking rawToDER and derToRaw with encoding/asn1.
type derSig struct{ R, S *big.Int }

func paddingHalves(t *testing.T) [][2][]byte {
	t.Helper()
	data, err := os.ReadFile("testdata/ecdsa_padding.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Signatures []struct{ Name, R, S string }
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	var out [][2][]byte
	for _, v := range f.Signatures {
		r, err1 := base64url.DecodeString(v.R)
		s, err2 := base64url.DecodeString(v.S)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: bad base64url", v.Name)
		}
		out = append(out, [2][]byte{r, s})
	}
	return out
}

func fixed(v *big.Int, size int) []byte { return v.FillBytes(make([]byte, size)) }

func TestRawToDERPaddingVectors(t *testing.T) {
	for _, h := range paddingHalves(t) {
		raw := append(append([]byte(nil), h[0]...), h[1]...)
		size := len(h[0])
		der, ok := rawToDER(nil, raw)
		if !ok {
			t.Fatalf("rawToDER(%x) failed", raw)
		}
		want, err := asn1.Marshal(derSig{new(big.Int).SetBytes(h[0]), new(big.Int).SetBytes(h[1])})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(der, want) {
			t.Errorf("rawToDER(%x)\n = %x\nwant %x", raw, der, want)
		}
		back, ok := derToRaw(nil, der, size)
		if !ok || !bytes.Equal(back, raw) {
			t.Errorf("derToRaw(rawToDER(%x)) = %x, %v", raw, back, ok)
		}
	}
}

func TestRawToDEREdges(t *testing.T) {
	for _, size := range []int{32, 48, 66} {
		one := big.NewInt(1)
		top := new(big.Int).Lsh(one, uint(8*size-1)) // high bit set: DER pads with 0x00
		max := new(big.Int).Sub(new(big.Int).Lsh(one, uint(8*size)), one)
		small := big.NewInt(0x7f)
		pad := big.NewInt(0x80)
		for _, pair := range [][2]*big.Int{{one, one}, {top, top}, {max, max}, {small, pad}, {pad, small}, {one, max}, {max, one}} {
			raw := append(fixed(pair[0], size), fixed(pair[1], size)...)
			der, ok := rawToDER(nil, raw)
			if !ok {
				t.Fatalf("size %d: rawToDER(%x) failed", size, raw)
			}
			want, _ := asn1.Marshal(derSig{pair[0], pair[1]})
			if !bytes.Equal(der, want) {
				t.Errorf("size %d: rawToDER(%x)\n = %x\nwant %x", size, raw, der, want)
			}
			back, ok := derToRaw(nil, der, size)
			if !ok || !bytes.Equal(back, raw) {
				t.Errorf("size %d: round trip of %x = %x, %v", size, raw, back, ok)
			}
		}
		zero := make([]byte, size)
		nonzero := fixed(big.NewInt(5), size)
		for _, raw := range [][]byte{
			append(append([]byte(nil), zero...), nonzero...),
			append(append([]byte(nil), nonzero...), zero...),
			append(append([]byte(nil), zero...), zero...),
		} {
			if _, ok := rawToDER(nil, raw); ok {
				t.Errorf("size %d: rawToDER accepted a zero half: %x", size, raw)
			}
		}
	}
}

func TestRawToDERAppends(t *testing.T) {
	raw := append(fixed(big.NewInt(1), 32), fixed(big.NewInt(2), 32)...)
	prefix := []byte("prefix")
	der, ok := rawToDER(append([]byte(nil), prefix...), raw)
	if !ok || !bytes.HasPrefix(der, prefix) {
		t.Fatalf("rawToDER did not append: %x", der)
	}
	out, ok := derToRaw(append([]byte(nil), prefix...), der[len(prefix):], 32)
	if !ok || !bytes.Equal(out, append(append([]byte(nil), prefix...), raw...)) {
		t.Fatalf("derToRaw did not append: %x", out)
	}
}

func TestDERToRawRejects(t *testing.T) {
	valid, _ := asn1.Marshal(derSig{big.NewInt(1), big.NewInt(2)})
	cases := map[string][]byte{
		"empty":              {},
		"not a sequence":     {0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02},
		"trailing data":      append(append([]byte(nil), valid...), 0),
		"short":              valid[:len(valid)-1],
		"one integer":        {0x30, 0x03, 0x02, 0x01, 0x01},
		"three integers":     {0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02, 0x02, 0x01, 0x03},
		"negative r":         {0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x02},
		"non-minimal r":      {0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x02},
		"zero r":             {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x02},
		"empty r":            {0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x02},
		"long-form length":   {0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02},
		"indefinite length":  {0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02, 0x00, 0x00},
		"r is an octet str":  {0x30, 0x06, 0x04, 0x01, 0x01, 0x02, 0x01, 0x02},
		"r larger than size": append([]byte{0x30, 0x24, 0x02, 0x21, 0x01}, append(make([]byte, 32), 0x02, 0x01, 0x02)...),
	}
	for name, der := range cases {
		if out, ok := derToRaw(nil, der, 32); ok {
			t.Errorf("%s: derToRaw(%x) = %x, want failure", name, der, out)
		}
	}
	if _, ok := derToRaw(nil, valid, 32); !ok {
		t.Error("derToRaw refused a valid signature")
	}
}
