package io.cohort.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.contracts.CreditTree.Leaf;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

class CreditTreeTest {

    private static final String ALICE = "0x1111111111111111111111111111111111111111";
    private static final String BOB = "0x2222222222222222222222222222222222222222";

    @Test
    void leafHashMatchesStandardMerkleTreeEncoding() {
        // given: abi.encode(address, uint128, uint128) written out by hand
        String encoded =
                "0000000000000000000000001111111111111111111111111111111111111111"
                        + "0000000000000000000000000000000000000000000000000000000000000005"
                        + "0000000000000000000000000000000000000000000000000000000000000007";
        byte[] expected = Hash.sha3(Hash.sha3(Numeric.hexStringToByteArray(encoded)));

        // when
        byte[] hash = new Leaf(ALICE, BigInteger.valueOf(5), BigInteger.valueOf(7)).hash();

        // then
        assertThat(hash).isEqualTo(expected);
    }

    @Test
    void singleLeafTreeHasTheLeafAsRootAndAnEmptyProof() {
        // given
        Leaf leaf = new Leaf(ALICE, BigInteger.ONE, BigInteger.ZERO);

        // when
        CreditTree tree = CreditTree.of(List.of(leaf));

        // then
        assertThat(tree.root()).isEqualTo(leaf.hash());
        assertThat(tree.proof(ALICE)).isEmpty();
    }

    @Test
    void twoLeafRootIsTheSortedPairHash() {
        // given
        Leaf a = new Leaf(ALICE, BigInteger.ONE, BigInteger.ZERO);
        Leaf b = new Leaf(BOB, BigInteger.TWO, BigInteger.ONE);
        byte[] ha = a.hash();
        byte[] hb = b.hash();
        boolean aFirst = Numeric.toBigInt(ha).compareTo(Numeric.toBigInt(hb)) < 0;
        byte[] lo = aFirst ? ha : hb;
        byte[] hi = aFirst ? hb : ha;
        byte[] joined = new byte[64];
        System.arraycopy(lo, 0, joined, 0, 32);
        System.arraycopy(hi, 0, joined, 32, 32);

        // when
        CreditTree tree = CreditTree.of(List.of(a, b));

        // then
        assertThat(tree.root()).isEqualTo(Hash.sha3(joined));
    }

    @Test
    void everyProofVerifiesForOddAndEvenSizesAndRootIgnoresInputOrder() {
        for (int size = 1; size <= 17; size++) {
            // given
            List<Leaf> leaves = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                leaves.add(
                        new Leaf(
                                address(i),
                                BigInteger.valueOf(1000L * i),
                                BigInteger.valueOf(i % 3)));
            }
            List<Leaf> shuffled = new ArrayList<>(leaves);
            Collections.shuffle(shuffled, new Random(size));

            // when
            CreditTree tree = CreditTree.of(leaves);

            // then
            assertThat(CreditTree.of(shuffled).root()).isEqualTo(tree.root());
            for (Leaf leaf : leaves) {
                assertThat(CreditTree.verify(tree.root(), leaf, tree.proof(leaf.trainer())))
                        .isTrue();
                Leaf inflated =
                        new Leaf(leaf.trainer(), leaf.credit().add(BigInteger.ONE), leaf.slash());
                assertThat(CreditTree.verify(tree.root(), inflated, tree.proof(leaf.trainer())))
                        .isFalse();
            }
        }
    }

    @Test
    void rejectsDuplicateTrainersNegativeAmountsAndBadAddresses() {
        Leaf a = new Leaf(ALICE, BigInteger.ONE, BigInteger.ZERO);
        Leaf again =
                new Leaf(ALICE.toUpperCase().replace("0X", "0x"), BigInteger.TWO, BigInteger.ZERO);
        assertThatThrownBy(() -> CreditTree.of(List.of(a, again)))
                .hasMessageContaining("more than one leaf");
        assertThatThrownBy(() -> new Leaf(ALICE, BigInteger.valueOf(-1), BigInteger.ZERO))
                .hasMessageContaining("credit must fit in uint128");
        assertThatThrownBy(() -> new Leaf(ALICE, BigInteger.ONE.shiftLeft(128), BigInteger.ZERO))
                .hasMessageContaining("uint128");
        assertThatThrownBy(() -> new Leaf("0x1234", BigInteger.ONE, BigInteger.ZERO))
                .hasMessageContaining("20-byte hex address");
        assertThatThrownBy(() -> CreditTree.of(List.of()))
                .hasMessageContaining("at least one leaf");
        assertThatThrownBy(() -> CreditTree.of(List.of(a)).proof(BOB))
                .hasMessageContaining("no leaf");
    }

    private static String address(int i) {
        return String.format("0x%040x", i + 1);
    }
}
