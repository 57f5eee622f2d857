package jwe

import "github.com/wardauth/ward/internal/base64url"

// Internal functions for the external tests.
var ParseEPK = parseEPK

// ConcatKDF returns the base64url Concat KDF output for z with the given
// AlgorithmID and base64url apu and apv.
func ConcatKDF(z []byte, algID, apu, apv string, size int) string {
	u, _ := base64url.DecodeString(apu)
	v, _ := base64url.DecodeString(apv)
	return base64url.EncodeToString(concatKDF(nil, z, algID, u, v, size))
}
