package io.cohort.marketplace.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.contracts.RoundRecords;
import io.cohort.contracts.seal.SealedUpdate;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.EmbeddedStore;
import io.cohort.ipfs.ForwardingStore;
import io.cohort.learning.codec.UpdateCodec;
import io.cohort.learning.model.ModelSpec;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the audit holds a {@code seal:exceeds-model} flag to the update's length. The stalling read
 * stands in for an update found nowhere (Kubo's cat never answering): AuditIT runs the flag on a
 * real chain and Kubo.
 */
class SealClaimsTest {

    private static final int PARAMETERS = 10;

    @TempDir Path dir;

    /** Opened when the test ends, so that a stalled reader thread can finish. */
    private final CountDownLatch never = new CountDownLatch(1);

    @AfterEach
    void release() {
        never.countDown();
    }

    @Test
    void anExceedsModelFlagIsCheckedAgainstTheModelsBoundAndItsVerdictKept() throws Exception {
        try (EmbeddedStore real = EmbeddedStore.open(dir.resolve("ipfs"))) {
            // given: an update within the bound of a 10-parameter model, one past it, one nowhere
            long bound = SealedUpdate.sealedLength(UpdateCodec.maxEncodedBytes(PARAMETERS), 1);
            Cid within = real.add(new byte[(int) bound]);
            Cid past = real.add(new byte[(int) bound + 1]);
            Cid nowhere = EmbeddedStore.cidOf(new java.io.ByteArrayInputStream(new byte[] {9}));
            AtomicInteger reads = new AtomicInteger();
            Records records = new Records();
            records.config = RecordsTest.readTimeout(Duration.ofMillis(300));
            records.use(
                    new ForwardingStore(real) {
                        @Override
                        public byte[] readAllBytes(Cid c, int max) throws IOException {
                            reads.incrementAndGet();
                            if (c.equals(nowhere)) {
                                try {
                                    never.await();
                                } catch (InterruptedException e) {
                                    throw new InterruptedIOException("interrupted");
                                }
                            }
                            return super.readAllBytes(c, max);
                        }
                    });
            SealClaims claims = new SealClaims();
            claims.records = records;
            List<RoundRecords.Submission> judged =
                    List.of(flagged("0xa", within), flagged("0xb", past), flagged("0xc", nowhere));

            // when
            List<String> problems =
                    claims.problems("1", 0, judged, () -> List.of(new byte[32]), () -> PARAMETERS);

            // then: only the update within the bound is a false flag; the one found nowhere rests
            assertThat(problems)
                    .containsExactly(
                            "0xa flagged seal:exceeds-model, but its sealed update is "
                                    + bound
                                    + " bytes, within the "
                                    + bound
                                    + " any valid update of the project's model sealed for its"
                                    + " committee can take");
            assertThat(reads).hasValue(3);
            // and the two verdicts are kept: asked again, only the one found nowhere is read
            assertThat(claims.problems("1", 0, judged, () -> List.of(new byte[32]), () -> 10))
                    .isEqualTo(problems);
            assertThat(reads).hasValue(4);
        }
    }

    @Test
    void theChainFailingWhileTheCommitteeIsReadIsTheAuditsFailure() {
        SealClaims claims = new SealClaims();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () ->
                                claims.problems(
                                        "1",
                                        0,
                                        List.of(
                                                new RoundRecords.Submission(
                                                        "0xa",
                                                        "bafkqaaa",
                                                        "seal:bad-magic",
                                                        0,
                                                        null)),
                                        () -> {
                                            throw new Problem(502, "Chain unavailable", "down");
                                        },
                                        () -> PARAMETERS))
                .isInstanceOf(Problem.class)
                .hasMessageContaining("down");
    }

    @Test
    void aModelLargerThanAnySpecAllowsCannotBeChecked() {
        SealClaims claims = new SealClaims();
        List<String> problems =
                claims.problems(
                        "1",
                        0,
                        List.of(
                                new RoundRecords.Submission(
                                        "0xa", "bafkqaaa", SealClaims.EXCEEDS_MODEL, 0, null)),
                        () -> List.of(new byte[32]),
                        () -> ModelSpec.MAX_PARAMETERS + 1);
        assertThat(problems)
                .singleElement()
                .asString()
                .startsWith("0xa flagged seal:exceeds-model: cannot be checked: the model has ");
    }

    private static RoundRecords.Submission flagged(String trainer, Cid cid) {
        return new RoundRecords.Submission(
                trainer, cid.toString(), SealClaims.EXCEEDS_MODEL, 0, null);
    }
}
