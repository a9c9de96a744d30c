package io.imaged.transfer;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Turns on scheduling for the periodic clean-up of expired partial downloads. */
@Configuration
@EnableScheduling
public class TransferConfiguration {
}
