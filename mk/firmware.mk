# make firmware: examples/firmware/ built for a Cortex-M4 with arm-none-eabi-gcc (no libc,
# its own linker script), its size printed, and run under qemu-system-arm (netduinoplus2,
# an STM32F405) with semihosting standing in for the UART.
FW_DIR   = examples/firmware
FW_OUT   = $(BUILD)/firmware
FW_FLAGS = -mcpu=cortex-m4 -mthumb -Os -ffreestanding -nostdlib -ffunction-sections -fdata-sections \
           -std=c99 -Wall -Wextra -Wpedantic -Werror -I. -I$(STB_INC)

.PHONY: firmware firmware-run
firmware:
	@sh tests/setup.sh firmware
	@mkdir -p $(FW_OUT)
	arm-none-eabi-gcc $(filter-out -Werror -Wpedantic,$(FW_FLAGS)) -w -c $(FW_DIR)/stb_sprintf_nofloat.c -o $(FW_OUT)/stb_sprintf.o
	arm-none-eabi-gcc $(FW_FLAGS) -T $(FW_DIR)/link.ld -Wl,--gc-sections \
	    $(FW_DIR)/main.c $(FW_DIR)/startup.c $(FW_OUT)/stb_sprintf.o -lgcc -o $(FW_OUT)/firmware.elf
	@arm-none-eabi-size $(FW_OUT)/firmware.elf

firmware-run: firmware
	timeout 60 qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial none \
	    -semihosting-config enable=on,target=native -kernel $(FW_OUT)/firmware.elf
