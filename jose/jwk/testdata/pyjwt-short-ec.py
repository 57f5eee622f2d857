# Makes pyjwt-2.6-short-ec-p{256,384,521}.{json,jwt}: an EC public JWK
# exactly as PyJWT 2.6 writes it, with a coordinate shorter than the curve
# size (PyJWT encodes x and y as minimal big-endian integers), and a token
# that the matching private key signed with jwt.encode. Run once, in this
# folder, with Debian bookworm's python3-jwt 2.6.0 and
# python3-cryptography 38.0.4:
#     /usr/bin/python3 pyjwt-short-ec.py
# The keys are random: each run writes other (equally valid) files. It
# prints, per curve, which coordinate is short and how many keys it made.
import json

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

CURVES = [("p256", ec.SECP256R1(), 32, "ES256"),
          ("p384", ec.SECP384R1(), 48, "ES384"),
          ("p521", ec.SECP521R1(), 66, "ES512")]

for name, curve, size, alg in CURVES:
    tries = 0
    while True:
        tries += 1
        priv = ec.generate_private_key(curve)
        text = ECAlgorithm.to_jwk(priv.public_key())
        pub = json.loads(text)
        short = [c for c in ("x", "y")
                 if len(jwt.utils.base64url_decode(pub[c])) < size]
        if short:
            break
    token = jwt.encode({"iss": "https://pyjwt.example", "sub": "pyjwt",
                        "aud": "ward", "exp": 2000000000}, priv, algorithm=alg)
    with open("pyjwt-2.6-short-ec-%s.json" % name, "w") as f:
        f.write(text + "\n")
    with open("pyjwt-2.6-short-ec-%s.jwt" % name, "w") as f:
        f.write(token + "\n")
    print(name, "short", ",".join(short), "after", tries, "keys")
