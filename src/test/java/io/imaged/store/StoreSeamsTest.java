package io.imaged.store;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.imaged.digest.Digest;
import io.imaged.reference.ImageReference;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The store's seams hold: outside {@code io.imaged.store} the blob content, the image catalog and the references
 * are reached through their interfaces only (so another backend plugs in without touching pull, push, load, save,
 * import or the API), and references are set only by {@link Store#commit} (creating an image and recording its
 * tag time or distribution source are package-private, so the compiler already keeps those in the store).
 */
@AnalyzeClasses(packages = "io.imaged", importOptions = ImportOption.DoNotIncludeTests.class)
class StoreSeamsTest {

    @ArchTest
    static final ArchRule callersSeeInterfacesNotTheFileSystemStores = noClasses()
            .that().resideOutsideOfPackage("io.imaged.store")
            .should().dependOnClassesThat().belongToAnyOf(FsBlobStore.class, FsReferenceStore.class, FsStoreBackend.class)
            .because("the file system is one implementation of BlobStore, ReferenceStore and StoreBackend; callers use the interfaces");

    @ArchTest
    static final ArchRule referencesAreSetOnlyByACommit = noClasses()
            .that().resideOutsideOfPackage("io.imaged.store")
            .should().callMethod(ReferenceStore.class, "put", ImageReference.class, Digest.class)
            .because("an image lands with its references in one Store.commit");
}
