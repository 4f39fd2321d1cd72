package app

import (
	"context"
	"sync"
	"time"

	"github.com/perimeterhq/perimeter/internal/store"
	"github.com/perimeterhq/perimeter/internal/tenant"
)

// authCacheSize bounds the cache; when it is full it starts over (a burst of
// distinct credentials costs lookups, never memory).
const authCacheSize = 10000

// keyTTL bounds how long a resolved API key is reused although the epoch did
// not move: whether its organization's plans grant api_access also depends
// on subscription dates, which pass without any write.
const keyTTL = time.Minute

// authCache remembers what credentials resolved to, for as long as the
// authentication epoch (store.AuthEpoch) stays the same: each request then
// costs one primary-key read instead of the joins, and any change to users,
// organizations, sessions, access tokens or API keys — on any node —
// empties it before the next request is answered. Only successes are kept;
// keys are the credentials' hashes, never the credentials.
type authCache struct {
	mu     sync.Mutex
	epoch  int64
	keys   map[string]cachedKey // API key hash → key
	actors map[string]Actor     // API key id, scheme and token hash → actor
}

type cachedKey struct {
	key tenant.APIKey
	at  time.Time
}

func newAuthCache() *authCache {
	return &authCache{epoch: -1, keys: map[string]cachedKey{}, actors: map[string]Actor{}}
}

// sync reads the epoch and empties the cache when it moved. It returns the
// epoch that entries stored for this request must carry and, read with it,
// the results version of orgHint ("" when orgHint is empty).
func (c *authCache) sync(ctx context.Context, s *store.Store, orgHint string) (int64, string, error) {
	n, rv, err := s.R().AuthEpochWithResults(ctx, orgHint)
	if err != nil {
		return 0, "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n != c.epoch {
		c.epoch = n
		clear(c.keys)
		clear(c.actors)
	}
	return n, rv, nil
}

// orgHint guesses, before the epoch is read, the organization a request
// will act in: that of the actor cached for its credentials, if any. It is
// only a guess (the entry may be out of date); a wrong one costs nothing but
// a results version read later.
func (c *authCache) orgHint(keyHash, scheme, tokenHash string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[keyHash]
	if !ok {
		return ""
	}
	return c.actors[actorKey(k.key.ID, scheme, tokenHash)].Org.ID
}

// actorKey is what an actor is cached under: the API key and the user's
// credentials' hash.
func actorKey(keyID, scheme, tokenHash string) string { return keyID + " " + scheme + " " + tokenHash }

func (c *authCache) key(hash string, now time.Time) (tenant.APIKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[hash]
	if !ok || now.Sub(k.at) >= keyTTL {
		return tenant.APIKey{}, false
	}
	return k.key, true
}

func (c *authCache) putKey(epoch int64, hash string, k tenant.APIKey, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch { // something changed while this request looked it up
		return
	}
	if len(c.keys) >= authCacheSize {
		clear(c.keys)
	}
	c.keys[hash] = cachedKey{key: k, at: now}
}

// actor returns a copy of a cached actor that is still valid at now.
func (c *authCache) actor(id string, now time.Time) (*Actor, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	act, ok := c.actors[id]
	if !ok || act.ExpiresAt != nil && !act.ExpiresAt.After(now) {
		return nil, false
	}
	if act.ExpiresAt != nil {
		exp := *act.ExpiresAt
		act.ExpiresAt = &exp
	}
	return &act, true
}

func (c *authCache) putActor(epoch int64, id string, act *Actor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	if len(c.actors) >= authCacheSize {
		clear(c.actors)
	}
	cp := *act
	cp.results = resultsSnapshot{} // per request, never cached
	if act.ExpiresAt != nil {
		exp := *act.ExpiresAt
		cp.ExpiresAt = &exp
	}
	c.actors[id] = cp
}
