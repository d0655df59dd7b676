package io.cohort.contracts.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SealedUpdateTest {

    private static final int MAX = 1 << 20;
    private static final String MARKET = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    private static final String ALICE = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
    private static final String BOB = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";

    private final SecureRandom random = new SecureRandom();
    private final List<X25519KeyPair> committee =
            List.of(
                    X25519KeyPair.generate(random),
                    X25519KeyPair.generate(random),
                    X25519KeyPair.generate(random));
    private final SealContext alice =
            SealContext.of(31337, MARKET, BigInteger.valueOf(7), 3, ALICE);
    private final byte[] update = bytes(5000, 42);

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>();
        committee.forEach(k -> keys.add(k.publicKey()));
        return keys;
    }

    private byte[] sealed() {
        return SealedUpdate.seal(update, alice, keys(), random);
    }

    private static SealException failure(ThrowingOpen open) {
        SealException e = catchThrowableOfType(SealException.class, open::run);
        assertThat(e).as("a SealException").isNotNull();
        return e;
    }

    private interface ThrowingOpen {
        void run() throws SealException;
    }

    @Test
    void everyEvaluatorOfTheCommitteeOpensItAndTheyShareOneContentKey() throws Exception {
        byte[] sealed = sealed();
        assertThat(sealed).hasSize(SealedUpdate.FIXED + 3 * 80 + 16 + update.length + 16);
        assertThat((long) sealed.length).isEqualTo(SealedUpdate.sealedLength(update.length, 3));
        byte[] key = SealedUpdate.contentKey(sealed, alice, committee.get(0), MAX);
        for (X25519KeyPair evaluator : committee) {
            assertThat(SealedUpdate.open(sealed, alice, evaluator, MAX)).isEqualTo(update);
            assertThat(SealedUpdate.contentKey(sealed, alice, evaluator, MAX)).isEqualTo(key);
        }
        assertThat(SealedUpdate.openWithContentKey(sealed, alice, key, MAX)).isEqualTo(update);
    }

    @Test
    void aKeyPairRestoredFromItsPrivateKeyStillOpens() throws Exception {
        byte[] sealed = sealed();
        X25519KeyPair restored = X25519KeyPair.fromPrivateKey(committee.get(1).privateKey());
        assertThat(restored.publicKey()).isEqualTo(committee.get(1).publicKey());
        assertThat(SealedUpdate.open(sealed, alice, restored, MAX)).isEqualTo(update);
    }

    @Test
    void sealingTheSameUpdateTwiceGivesDifferentBytes() {
        assertThat(sealed()).isNotEqualTo(sealed());
    }

    @Test
    void aCopySubmittedByAnotherTrainerIsAWrongContextNamingBoth() {
        byte[] sealed = sealed();
        SealContext bob = SealContext.of(31337, MARKET, BigInteger.valueOf(7), 3, BOB);
        SealException e = failure(() -> SealedUpdate.open(sealed, bob, committee.get(0), MAX));
        assertThat(e.reason()).isEqualTo("wrong-context");
        assertThat(e.getMessage()).contains(ALICE.substring(2)).contains(BOB.substring(2));
    }

    @Test
    void anotherRoundProjectContractOrChainIsAWrongContext() {
        byte[] sealed = sealed();
        List<SealContext> others =
                List.of(
                        SealContext.of(31337, MARKET, BigInteger.valueOf(7), 4, ALICE),
                        SealContext.of(31337, MARKET, BigInteger.valueOf(8), 3, ALICE),
                        SealContext.of(31337, BOB, BigInteger.valueOf(7), 3, ALICE),
                        SealContext.of(1, MARKET, BigInteger.valueOf(7), 3, ALICE));
        for (SealContext other : others) {
            assertThat(
                            failure(() -> SealedUpdate.open(sealed, other, committee.get(0), MAX))
                                    .reason())
                    .as("%s", other)
                    .isEqualTo("wrong-context");
        }
    }

    @Test
    void anEvaluatorOutsideTheCommitteeCannotOpen() {
        byte[] sealed = sealed();
        X25519KeyPair outsider = X25519KeyPair.generate(random);
        assertThat(failure(() -> SealedUpdate.open(sealed, alice, outsider, MAX)).reason())
                .isEqualTo("not-a-recipient");
    }

    @Test
    void anUpdateSealedForPartOfTheCommitteeIsRefusedByEveryMember() throws Exception {
        List<byte[]> all = keys();
        // for the whole committee, in another order: accepted
        SealedUpdate.requireCommittee(
                SealedUpdate.seal(
                        update, alice, List.of(all.get(2), all.get(0), all.get(1)), random),
                alice,
                all,
                MAX);
        byte[] forTwo = SealedUpdate.seal(update, alice, all.subList(0, 2), random);
        // member 0 could open it, member 2 could not: the committee check gives all one answer
        assertThat(SealedUpdate.open(forTwo, alice, committee.get(0), MAX)).isEqualTo(update);
        SealException e = failure(() -> SealedUpdate.requireCommittee(forTwo, alice, all, MAX));
        assertThat(e.reason()).isEqualTo("not-the-committee");
        assertThat(e.getMessage()).contains("sealed for 2 keys, 2 of the committee's 3");
        // the committee plus an outsider, and one member swapped for an outsider
        byte[] outsider = X25519KeyPair.generate(random).publicKey();
        List<byte[]> plus = new ArrayList<>(all);
        plus.add(outsider);
        List<byte[]> swapped = List.of(all.get(0), all.get(1), outsider);
        for (List<byte[]> recipients : List.of(plus, swapped)) {
            byte[] sealed = SealedUpdate.seal(update, alice, recipients, random);
            assertThat(
                            failure(() -> SealedUpdate.requireCommittee(sealed, alice, all, MAX))
                                    .reason())
                    .isEqualTo("not-the-committee");
        }
        // the context is checked first, as open does
        assertThat(
                        failure(
                                        () ->
                                                SealedUpdate.requireCommittee(
                                                        forTwo,
                                                        SealContext.of(
                                                                31337,
                                                                MARKET,
                                                                BigInteger.valueOf(7),
                                                                3,
                                                                BOB),
                                                        all,
                                                        MAX))
                                .reason())
                .isEqualTo("wrong-context");
    }

    @Test
    void flippingAnyBitOfASealedUpdateMakesItFailToOpenWithAReason() {
        byte[] small = bytes(40, 1);
        byte[] sealed = SealedUpdate.seal(small, alice, keys(), random);
        for (int i = 0; i < sealed.length; i++) {
            for (int bit : new int[] {0, 7}) {
                byte[] tampered = sealed.clone();
                tampered[i] ^= (byte) (1 << bit);
                int at = i;
                SealException e =
                        failure(() -> SealedUpdate.open(tampered, alice, committee.get(2), MAX));
                assertThat(e.reason())
                        .as("byte %d bit %d", at, bit)
                        .isIn(
                                "bad-magic",
                                "unsupported-version",
                                "bad-context",
                                "wrong-context",
                                "bad-recipient-count",
                                "truncated",
                                "length-mismatch",
                                "too-large",
                                "not-a-recipient",
                                "bad-key",
                                "bad-wrap",
                                "authentication-failed");
            }
        }
    }

    @Test
    void tamperingWithTheCiphertextTheNonceOrAWrappedKeyIsCaughtByItsTag() {
        byte[] sealed = sealed();
        int payloadAt = sealed.length - update.length - 16;
        byte[] body = sealed.clone();
        body[payloadAt + 100] ^= 1;
        assertThat(failure(() -> SealedUpdate.open(body, alice, committee.get(0), MAX)).reason())
                .isEqualTo("authentication-failed");
        byte[] nonce = sealed.clone();
        nonce[payloadAt - 5] ^= 1;
        assertThat(failure(() -> SealedUpdate.open(nonce, alice, committee.get(0), MAX)).reason())
                .isEqualTo("authentication-failed");
        byte[] wrapped = sealed.clone();
        wrapped[SealedUpdate.FIXED + 32 + 3] ^= 1; // the first evaluator's wrapped key
        // its own wrap does not open for the first; the others recompute it and see it differ
        for (X25519KeyPair member : committee) {
            assertThat(failure(() -> SealedUpdate.open(wrapped, alice, member, MAX)).reason())
                    .isEqualTo("bad-wrap");
        }
    }

    /**
     * A trainer that wraps the key well for some members and badly for others, and authenticates
     * the update over that header: every member refuses it with the same reason and words, so an
     * honest committee posts the same result.
     */
    @Test
    void aWrapThatDiffersForOneMemberIsRefusedAlikeByEveryMember() throws Exception {
        byte[] contentKey = bytes(32, 5);
        byte[] nonce = bytes(12, 6);
        X25519KeyPair derived = SealedUpdate.ephemeral(contentKey, alice);
        byte[] garbage = bytes(48, 7);
        byte[] otherKey = bytes(32, 8);
        List<byte[]> unlike =
                List.of(
                        // 48 random bytes as the third member's wrap: it does not open there
                        SealedUpdate.assemble(
                                update,
                                alice,
                                keys(),
                                contentKey,
                                derived,
                                nonce,
                                i -> i == 2 ? garbage : contentKey),
                        // a good wrap of another key for the third member: it opens, to the wrong
                        // key
                        SealedUpdate.assemble(
                                update,
                                alice,
                                keys(),
                                contentKey,
                                derived,
                                nonce,
                                i -> i == 2 ? otherKey : contentKey),
                        // every wrap good, but a random ephemeral key (what version 1 wrote):
                        // nobody can check the others' wraps, so nobody accepts it
                        SealedUpdate.assemble(
                                update,
                                alice,
                                keys(),
                                contentKey,
                                X25519KeyPair.generate(random),
                                nonce,
                                i -> contentKey));
        for (byte[] sealed : unlike) {
            List<String> seen = new ArrayList<>();
            for (X25519KeyPair member : committee) {
                seen.add(failure(() -> SealedUpdate.open(sealed, alice, member, MAX)).getMessage());
            }
            assertThat(seen)
                    .containsOnly("bad-wrap: " + SealedUpdate.BAD_WRAP)
                    .hasSize(committee.size());
            // an evaluator that released the content key anyway is caught by the auditor
            assertThat(
                            failure(
                                            () ->
                                                    SealedUpdate.openWithContentKey(
                                                            sealed, alice, contentKey, MAX))
                                    .reason())
                    .isEqualTo("bad-wrap");
        }
        // the same parts with every wrap alike open for everyone
        byte[] alike =
                SealedUpdate.assemble(
                        update, alice, keys(), contentKey, derived, nonce, i -> contentKey);
        for (X25519KeyPair member : committee) {
            assertThat(SealedUpdate.open(alike, alice, member, MAX)).isEqualTo(update);
            assertThat(SealedUpdate.contentKey(alike, alice, member, MAX)).isEqualTo(contentKey);
        }
    }

    @Test
    void theAdversarialSealIsRefusedByEveryMember() {
        for (int member = 0; member < committee.size(); member++) {
            byte[] sealed = SealedUpdate.sealWithUnlikeWrap(update, alice, keys(), member, random);
            for (X25519KeyPair k : committee) {
                assertThat(failure(() -> SealedUpdate.open(sealed, alice, k, MAX)).reason())
                        .isEqualTo("bad-wrap");
            }
        }
        assertThatIllegalArgumentException()
                .isThrownBy(
                        () -> SealedUpdate.sealWithUnlikeWrap(update, alice, keys(), 3, random));
    }

    @Test
    void aVersion1SealIsRefused() {
        byte[] sealed = sealed();
        sealed[4] = 1;
        assertThat(failure(() -> SealedUpdate.header(sealed, MAX)).getMessage())
                .isEqualTo("unsupported-version: version 1");
    }

    @Test
    void everyTruncationIsRefusedBeforeDecrypting() {
        byte[] sealed = SealedUpdate.seal(bytes(64, 2), alice, keys(), random);
        for (int n = 0; n < sealed.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(sealed, n);
            assertThat(failure(() -> SealedUpdate.header(cut, MAX)).reason())
                    .as("%d bytes", n)
                    .isIn("truncated", "length-mismatch");
        }
    }

    @Test
    void aHugeDeclaredPayloadIsRefusedWithoutAllocatingIt() {
        byte[] sealed = sealed();
        int lengthAt = SealedUpdate.FIXED + 3 * 80 + 12;
        ByteBuffer.wrap(sealed).putInt(lengthAt, 0xffffffff);
        SealException e = failure(() -> SealedUpdate.header(sealed, MAX));
        assertThat(e.reason()).isEqualTo("too-large");
        assertThat(e.getMessage()).contains("4294967295");
        assertThat(failure(() -> SealedUpdate.header(sealed(), update.length - 1)).reason())
                .isEqualTo("too-large");
    }

    @Test
    void garbageIsBadMagic() {
        assertThat(failure(() -> SealedUpdate.header(bytes(500, 3), MAX)).reason())
                .isEqualTo("bad-magic");
    }

    @Test
    void aWrongContentKeyFailsAuthentication() {
        byte[] sealed = sealed();
        assertThat(
                        failure(
                                        () ->
                                                SealedUpdate.openWithContentKey(
                                                        sealed, alice, bytes(32, 4), MAX))
                                .reason())
                .isEqualTo("authentication-failed");
        assertThat(
                        failure(
                                        () ->
                                                SealedUpdate.openWithContentKey(
                                                        sealed, alice, new byte[31], MAX))
                                .reason())
                .isEqualTo("bad-key");
    }

    @Test
    void sealRefusesABadCommittee() {
        byte[] key = committee.get(0).publicKey();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SealedUpdate.seal(update, alice, List.of(), random))
                .withMessageContaining("1 to 32");
        List<byte[]> many = new ArrayList<>();
        for (int i = 0; i < 33; i++) {
            many.add(X25519KeyPair.generate(random).publicKey());
        }
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SealedUpdate.seal(update, alice, many, random))
                .withMessageContaining("got 33");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SealedUpdate.seal(update, alice, List.of(key, key), random))
                .withMessageContaining("the same");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SealedUpdate.seal(update, alice, List.of(new byte[31]), random))
                .withMessageContaining("not 32 bytes");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SealedUpdate.seal(update, alice, List.of(new byte[32]), random))
                .withMessageContaining("low-order");
    }

    @Test
    void theContextEncodesTheWholeUint256RangeAndRefusesBeyond() {
        BigInteger max = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);
        SealContext c = SealContext.of(1, MARKET, max, 0, ALICE);
        assertThat(SealContext.decode(c.encode(), 0)).isEqualTo(c);
        SealContext small = SealContext.of(1, MARKET, BigInteger.ONE, Long.MAX_VALUE, ALICE);
        assertThat(SealContext.decode(small.encode(), 0)).isEqualTo(small);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SealContext.of(1, MARKET, max.add(BigInteger.ONE), 0, ALICE))
                .withMessageContaining("uint256");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SealContext.of(1, "0x1234", BigInteger.ONE, 0, ALICE))
                .withMessageContaining("20 bytes");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SealContext.of(1, MARKET, BigInteger.ONE, 0, "0xzz"))
                .withMessageContaining("not a hex address");
    }
}
