package io.imaged;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The shape of the house: HTTP is spoken in {@code io.imaged.api} alone, and the packages under {@code io.imaged}
 * depend on each other without a cycle. The rules cover every class of the main code; nothing is excluded.
 */
@AnalyzeClasses(packages = "io.imaged", importOptions = {ImportOption.DoNotIncludeTests.class, ArchitectureTest.NotAotGenerated.class})
class ArchitectureTest {

    /** Errors leave the domain as {@code io.imaged.error.ImagedException} kinds; only {@code api} turns them into statuses. */
    @ArchTest
    static final ArchRule onlyApiSpeaksHttp = noClasses()
            .that().resideOutsideOfPackage("io.imaged.api..")
            .should().dependOnClassesThat().resideInAnyPackage("io.imaged.api..", "org.springframework.http..", "jakarta.servlet..")
            .because("the web layer (io.imaged.api) calls the domain, never the other way round");

    @ArchTest
    static final ArchRule packagesFormNoCycle = slices().matching("io.imaged.(*)..").should().beFreeOfCycles();

    /**
     * Spring AOT's generated bean registrations ({@code ImagedApplication__BeanFactoryRegistrations},
     * {@code X__BeanDefinitions}) name every bean, the web layer's too; they are the framework's wiring, not the
     * code these rules are about, and they are in target/classes only after a package.
     */
    static final class NotAotGenerated implements ImportOption {
        @Override
        public boolean includes(com.tngtech.archunit.core.importer.Location location) {
            return !location.contains("__");
        }
    }
}
