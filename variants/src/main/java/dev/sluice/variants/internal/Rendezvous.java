package dev.sluice.variants.internal;

/**
 * Rendezvous (highest-random-weight) hashing: a key goes to the node with the highest {@link #score}. Removing a
 * node moves only the keys it had; adding one moves only the keys it now wins, about 1/n of them, and every
 * gateway replica computes the same placement from the ids alone, with no shared ring to keep in sync.
 *
 * <p>Cheap by construction, because it runs on event loops for every multi-model request: the node hashes are
 * computed once when the node joins, the key is hashed once per request without allocating, and each score is one
 * xor and one 64-bit finalizer. A cryptographic digest would buy nothing here: the inputs are ids chosen by
 * operators, not by an adversary who could profit from collisions.
 */
public final class Rendezvous {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Rendezvous() {
    }

    /**
     * A well-mixed 64-bit hash of a string: {@link String#hashCode()} spread by the SplitMix64 finalizer. The JDK
     * vectorizes {@code hashCode} and caches it on the string, so this is the cheapest pass over a target name that
     * can be up to 1,024 characters. Its 32 bits are plenty: two models that collide merely share a placement. Its
     * polynomial structure ("v1-1" and "v1-2" differ by 1) is what the finalizer removes, giving every bit full
     * avalanche, which the xor in {@link #score} relies on.
     */
    public static long hash(String value) {
        return mix(value.hashCode());
    }

    /**
     * A full 64-bit hash of a node id: FNV-1a over its UTF-16 units, then the finalizer. Nodes need more than the
     * 32 bits of {@link #hash}: two ids that collided ("Aa" and "BB" do) would tie on every key, and one of them
     * would never win any. Computed once per node, so its per-character loop costs nothing on the request path.
     */
    public static long nodeHash(String id) {
        long h = FNV_OFFSET;
        for (int i = 0, n = id.length(); i < n; i++) {
            h ^= id.charAt(i);
            h *= FNV_PRIME;
        }
        return mix(h);
    }

    /**
     * The weight of one (key, node) pair ({@link #hash} of the key, {@link #nodeHash} of the node). Both inputs
     * are already mixed, so their xor is a distinct value per node for a given key, and a second finalizer pass
     * makes the order among nodes independent of the order among keys.
     */
    public static long score(long keyHash, long nodeHash) {
        return mix(keyHash ^ nodeHash);
    }

    /** SplitMix64's finalizer (Stafford's variant 13): a bijection on 64 bits with full avalanche. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
