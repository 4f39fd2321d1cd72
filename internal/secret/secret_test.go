package secret

import (
	"strings"
	"testing"
)

func TestPasswordRoundTrip(t *testing.T) {
	h := HashPassword("correct horse")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected hash format %q", h)
	}
	ok, err := CheckPassword(h, "correct horse")
	if err != nil || !ok {
		t.Fatalf("CheckPassword(right) = %v, %v", ok, err)
	}
	ok, err = CheckPassword(h, "wrong horse")
	if err != nil || ok {
		t.Fatalf("CheckPassword(wrong) = %v, %v", ok, err)
	}
	if HashPassword("x") == HashPassword("x") {
		t.Fatal("hashes must be salted")
	}
}

func TestCheckPasswordRejectsMalformed(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=0,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=8,t=1,p=1$!!$AAAA"} {
		if _, err := CheckPassword(h, "x"); err != ErrBadHash {
			t.Errorf("CheckPassword(%q) err = %v, want ErrBadHash", h, err)
		}
	}
}

func TestTokens(t *testing.T) {
	a, b := NewToken(PrefixSession), NewToken(PrefixSession)
	if a == b || !strings.HasPrefix(a, PrefixSession) || len(a) < len(PrefixSession)+43 {
		t.Fatalf("weak or malformed tokens %q %q", a, b)
	}
	if Hash(a) == Hash(b) || len(Hash(a)) != 64 || Hash(a) != Hash(a) {
		t.Fatal("Hash must be deterministic, distinct and hex SHA-256")
	}
	if !Equal("abc", "abc") || Equal("abc", "abd") || Equal("abc", "ab") {
		t.Fatal("Equal is wrong")
	}
}
