*---------------------------------------------------------------------*
* HELLO: write one line on the 3215 console at device 009 and stop.  *
* Started by loading the PSW at 0 (s370vm run) or by IPL from cards  *
* (s370vm asm --ipl-deck).  Ends in a disabled wait: PSW address     *
* X'000000' when the write completed, X'00EEEE' when it failed.      *
*---------------------------------------------------------------------*
HELLO    START 0
IPLPSW   DC    X'00000000',A(BEGIN)   BC mode, I/O disabled, key 0
         ORG   HELLO+X'200'
BEGIN    BALR  12,0                   establish addressability
         USING *,12
         MVC   X'48'(4),=A(WRITECCW)  CAW: key 0, address of the CCW
         SIO   X'009'                 start the write
         BC    7,FAIL                 not started (CC 1, 2 or 3)
POLL     TIO   X'009'                 wait for the device to finish
         BC    2,POLL                 CC 2: still busy
         LPSW  DONEPSW                CC 0 or 1: done
FAIL     LPSW  FAILPSW
         DS    0D
DONEPSW  DC    X'0002000000000000'    disabled wait, address 0: success
FAILPSW  DC    X'000200000000EEEE'    disabled wait, X'EEEE': failure
WRITECCW CCW   X'09',MESSAGE,X'20',L'MESSAGE  write with carrier return
MESSAGE  DC    C'HELLO, WORLD FROM S370VM'
         LTORG
         END   BEGIN
