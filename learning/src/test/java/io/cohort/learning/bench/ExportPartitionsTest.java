package io.cohort.learning.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.LayerSpec;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.tensor.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportPartitionsTest {

    @TempDir Path dir;

    @Test
    void partitionsRoundTripThroughTheFileInClientAndSampleOrder() throws IOException {
        // given
        List<int[]> parts = List.of(new int[] {4, 0, 2}, new int[] {}, new int[] {5, 1, 3});
        Path file = dir.resolve(ExportPartitions.PARTITIONS);
        // when
        ExportPartitions.writePartitions(file, "test 6 samples", parts);
        List<int[]> read = ExportPartitions.readPartitions(file, 6);
        // then
        assertThat(Files.readAllLines(file)).first().isEqualTo("# test 6 samples");
        assertThat(read).hasSize(3);
        assertThat(read.get(0)).containsExactly(4, 0, 2);
        assertThat(read.get(1)).isEmpty();
        assertThat(read.get(2)).containsExactly(5, 1, 3);
    }

    @Test
    void readingRejectsAnIndexTwoClientsShare() throws IOException {
        // given
        Path file = dir.resolve(ExportPartitions.PARTITIONS);
        Files.writeString(file, "# two clients\n0 1 2\n2 3\n");
        // when / then
        assertThatThrownBy(() -> ExportPartitions.readPartitions(file, 4))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("client 1 lists index 2");
    }

    @Test
    void readingRejectsAnIndexOutsideTheTrainingSet() throws IOException {
        // given
        Path file = dir.resolve(ExportPartitions.PARTITIONS);
        Files.writeString(file, "0 1 4\n");
        // when / then
        assertThatThrownBy(() -> ExportPartitions.readPartitions(file, 4))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("outside the 4 training samples");
    }

    @Test
    void initialParametersConcatenatedInTheOrderMetadataAreTheFlatArray() throws IOException {
        // given: more than nine layers, so that sorted names and the flat order differ
        ModelSpec spec =
                new ModelSpec(
                        "deep",
                        new int[] {4},
                        2,
                        3,
                        List.of(
                                LayerSpec.dense(3),
                                LayerSpec.relu(),
                                LayerSpec.dense(3),
                                LayerSpec.relu(),
                                LayerSpec.dense(3),
                                LayerSpec.relu(),
                                LayerSpec.dense(3),
                                LayerSpec.relu(),
                                LayerSpec.dense(3),
                                LayerSpec.relu(),
                                LayerSpec.dense(2)));
        Path file = dir.resolve(ExportPartitions.INITIAL);
        // when
        int count = ExportPartitions.writeInitial(file, spec);
        // then
        SafeTensors.Contents contents = SafeTensors.read(file);
        float[] concatenated = new float[count];
        int at = 0;
        for (String name : contents.metadata().get("order").split(",")) {
            float[] data = contents.tensors().get(name).data();
            System.arraycopy(data, 0, concatenated, at, data.length);
            at += data.length;
        }
        assertThat(at).isEqualTo(count);
        try (DjlModel model = DjlModel.create(spec)) {
            assertThat(concatenated).containsExactly(model.parameters());
            assertThat(contents.tensors().get(model.layout().get(0).name()).shape())
                    .containsExactly(3, 4);
        }
        assertThat(contents.metadata()).containsEntry("spec", "deep").containsEntry("seed", "3");
    }
}
