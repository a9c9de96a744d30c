package io.imaged.explore;

import java.util.List;

/**
 * One page of a layer's entries (sorted by path), with what the explorer shows around it.
 *
 * @param image       the image's ID
 * @param layer       the listed layer
 * @param offset      the first entry returned (0-based)
 * @param limit       the most entries asked for
 * @param total       the layer's entries that match the request (all of them without {@code path})
 * @param files       the page
 * @param layers      every layer of the image, base first
 * @param wastedBytes dive's "potential wasted space" of the whole image: the bytes of every copy of each path that
 *                    more than one layer writes or deletes
 * @param efficiency  dive's image efficiency score (1 when nothing is wasted)
 */
public record FilesPage(String image, LayerSummary layer, int offset, int limit, int total, List<LayerFile> files,
                        List<LayerSummary> layers, long wastedBytes, double efficiency) {
}
