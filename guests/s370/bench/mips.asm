*---------------------------------------------------------------------
* MIPS: the instruction-rate benchmark (s370vm bench mips).
*
* A self-checking loop with the instruction mix of compiled S/370
* application code: word and halfword loads and stores, fixed-point
* add/subtract/multiply/divide and compares, logical operations on
* registers and characters, shifts, an array loop on BXLE, a
* subroutine call with standard STM/LM linkage, MVC/CLC, TR,
* conditional branches and a little decimal arithmetic. It runs until
* the benchmark's instruction limit; a wrong result stops it in a
* disabled wait at X'00FA11' (the benchmark reports it as a failure).
*---------------------------------------------------------------------
MIPS     START 0
         DC    X'0000000000',AL3(BEGIN)    IPL PSW: BC, key 0, disabled
         ORG   MIPS+X'68'
         DC    X'0002000000',AL3(X'DEAD00') program new PSW: wait
         ORG   MIPS+X'400'
BEGIN    BALR  12,0
         USING *,12
         LA    13,SAVE                     save area for SUBR
LOOP     L     3,ITERS                     iteration counter in storage
         LA    3,1(,3)
         ST    3,ITERS
* fixed-point arithmetic and compares
         L     4,VAL1                      12345
         A     4,VAL2                      +678 = 13023
         S     4,VAL3                      -23 = 13000
         LR    5,4
         SLL   5,3                         104000
         AR    5,4                         117000
         SRA   5,1                         58500
         LTR   5,5
         BNP   FAIL
         C     5,EXPECT1
         BNE   FAIL
         LH    6,HALF1                     -2
         AH    6,HALF2                     +10 = 8
         MH    6,HALF2                     80
         STH   6,HOUT
         CH    6,HOUT
         BNE   FAIL
         L     9,VAL1
         M     8,VAL4                      12345 * 7
         D     8,VAL5                      / 100 = 864 remainder 15
         C     9,EXPECT2
         BNE   FAIL
         CR    8,9
         BNL   FAIL
* logical operations on registers and characters
         SR    7,7
         IC    7,CHAR                      X'C1'
         N     7,MASK0F                    X'01'
         O     7,MASKF0                    X'F1'
         X     7,MASKFF                    X'0E'
         STC   7,COUT
         CLI   COUT,X'0E'
         BNE   FAIL
         OI    FLAGS,X'80'
         TM    FLAGS,X'81'
         BNO   FAIL
         NI    FLAGS,X'7F'
         ALR   7,5
         SLR   7,4
         CL    7,EXPECT3
         BNE   FAIL
* an array loop: sum of TABLE by BXLE
         SR    2,2
         LA    10,TABLE                    index
         LA    14,4                        increment
         LA    15,TABLEND-4                limit
SUM      A     2,0(,10)
         BXLE  10,14,SUM
         C     2,EXPECT4
         BNE   FAIL
* a subroutine call with standard linkage
         LA    1,PARMS
         L     15,=A(SUBR)
         BALR  14,15
         C     15,EXPECT5
         BNE   FAIL
* character moves, compares and translation
         MVC   BUF1,BUF2
         CLC   BUF1,BUF2
         BNE   FAIL
         MVC   WORK,TEXT
         TR    WORK,UPCASE
         CLC   WORK,TEXTUP
         BNE   FAIL
         XC    BUF1,BUF1
         CLC   BUF1,ZEROS
         BNE   FAIL
* a little decimal arithmetic: a packed counter kept beside ITERS
         AP    PCOUNT,PONE
         CVD   3,DWORD                     ITERS in packed decimal
         CP    PCOUNT,DWORD
         BNE   FAIL
         B     LOOP
FAIL     LPSW  FAILPSW
*
* SUBR: R1 -> two words; returns their sum times 3 in R15.
SUBR     STM   14,12,12(13)
         LM    2,3,0(1)
         AR    2,3
         LR    15,2
         SLA   15,1
         AR    15,2
         LM    0,12,20(13)
         L     14,12(,13)
         BR    14
*
         DS    0D
DWORD    DS    D
FAILPSW  DC    X'0002000000',AL3(X'FA11')  wait: a check failed
ITERS    DC    F'0'
VAL1     DC    F'12345'
VAL2     DC    F'678'
VAL3     DC    F'23'
VAL4     DC    F'7'
VAL5     DC    F'100'
EXPECT1  DC    F'58500'
EXPECT2  DC    F'864'
EXPECT3  DC    F'45514'
EXPECT4  DC    F'360'
EXPECT5  DC    F'3000'
MASK0F   DC    X'0000000F'
MASKF0   DC    X'000000F0'
MASKFF   DC    X'000000FF'
HALF1    DC    H'-2'
HALF2    DC    H'10'
HOUT     DC    H'0'
CHAR     DC    C'A'
COUT     DC    X'00'
FLAGS    DC    X'01'
PARMS    DC    F'400',F'600'
TABLE    DC    F'10,20,30,40,50,60,70,80'
TABLEND  EQU   *
BUF1     DC    CL32' '
BUF2     DC    CL32'THE QUICK BROWN FOX JUMPS OVER'
ZEROS    DC    XL32'00'
PCOUNT   DC    PL8'0'
PONE     DC    PL1'1'
TEXT     DC    CL12'hello, world'
TEXTUP   DC    CL12'HELLO, WORLD'
WORK     DS    CL12
SAVE     DS    18F
* UPCASE: EBCDIC a-i, j-r, s-z to upper case; all else unchanged
UPCASE    DC    X'000102030405060708090A0B0C0D0E0F'
         DC    X'101112131415161718191A1B1C1D1E1F'
         DC    X'202122232425262728292A2B2C2D2E2F'
         DC    X'303132333435363738393A3B3C3D3E3F'
         DC    X'404142434445464748494A4B4C4D4E4F'
         DC    X'505152535455565758595A5B5C5D5E5F'
         DC    X'606162636465666768696A6B6C6D6E6F'
         DC    X'707172737475767778797A7B7C7D7E7F'
         DC    X'80C1C2C3C4C5C6C7C8C98A8B8C8D8E8F'
         DC    X'90D1D2D3D4D5D6D7D8D99A9B9C9D9E9F'
         DC    X'A0A1E2E3E4E5E6E7E8E9AAABACADAEAF'
         DC    X'B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF'
         DC    X'C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF'
         DC    X'D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF'
         DC    X'E0E1E2E3E4E5E6E7E8E9EAEBECEDEEEF'
         DC    X'F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF'
         LTORG
         END   BEGIN
