package dev.smallmind.model.gguf;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated contents of a GGUF header, as {@link GgufParser} produces them.
 *
 * @param version        2 or 3
 * @param alignment      data alignment in bytes
 * @param metadataOffset where the key-value pairs start
 * @param tensorInfoOffset where the tensor infos start
 * @param dataOffset     where the tensor data starts (the end of the tensor infos rounded up to the alignment)
 * @param metadata       key-value pairs in file order
 * @param tensors        tensor infos in file order
 * @param tensorsByName  the same, by name
 */
record GgufHeader(int version, long alignment, long metadataOffset, long tensorInfoOffset, long dataOffset,
                  LinkedHashMap<String, GgufValue> metadata, List<GgufTensorInfo> tensors,
                  Map<String, GgufTensorInfo> tensorsByName) {
}
