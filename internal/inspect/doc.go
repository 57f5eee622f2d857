// Package inspect reads a token without verifying it and says what is
// dangerous about it, and explains why a verification failed, in the words
// that both "ward decode"/"ward verify" and the token debugger of package
// web show: one source, so that the page and the CLI never disagree.
//
// Nothing here decides whether a token is valid: that is [jwt.Verifier]'s
// job. The warnings are advice to a person reading a token by hand.
package inspect
