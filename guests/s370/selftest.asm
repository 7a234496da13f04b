*---------------------------------------------------------------------*
* SELFTEST: a program that checks its own results.  It exercises     *
* the assembler (macros with &SYSNDX, literals in two pools, USING   *
* with two base registers, DC types, EX, implicit lengths) and the   *
* machine.  Ends in a disabled wait with PSW address 0 when every    *
* check passed, or X'00FF0n' when check n failed; a program check    *
* ends in a wait at X'000BAD'.  Writes "SELFTEST OK" on the 3215 at  *
* 009 when it passes and a console is attached.                      *
*---------------------------------------------------------------------*
SELFTEST START 0
         DC    X'00000000',A(BEGIN)   IPL PSW: BC mode, disabled
         ORG   SELFTEST+X'68'
         DC    X'0002000000000BAD'    program new PSW: wait at X'BAD'
         ORG   SELFTEST+X'400'
*
         MACRO
&L       CHECK &ACTUAL,&EXPECT,&N
.*       compare two fields; on a difference fail with check number &N
&L       CLC   &ACTUAL,&EXPECT
         BE    OK&SYSNDX
         LA    1,&N
         B     FAIL
OK&SYSNDX DS   0H
         MEND
*
BEGIN    BALR  12,0
         USING *,12
         LA    13,DATA                second base register for the data
         USING DATA,13
* 1. a loop: 1+2+...+10 = 55
         SR    2,2
         LA    3,10
LOOP     AR    2,3
         BCT   3,LOOP
         ST    2,RESULT
         CHECK RESULT,=F'55',1
* 2. packed decimal: 123 + 877 = 1000
         ZAP   PACKED,=P'123'
         AP    PACKED,=P'877'
         CHECK PACKED,=PL4'1000',2
* 3. a character move with the implicit length of TEXT
         MVC   TEXT,=CL8'ABC'
         CHECK TEXT,=C'ABC     ',3
         B     PAST1                  the first literal pool sits here
         LTORG
PAST1    DS    0H
* 4. halfword constants and compare
         LH    4,HALF
         CH    4,=H'-2'
         LA    1,4
         BNE   FAIL
* 5. shifts and hexadecimal literals
         L     5,=X'0000F0F0'
         SLL   5,4
         C     5,=X'000F0F00'
         LA    1,5
         BNE   FAIL
* 6. a table through an index register
         LA    6,2
         SLL   6,2
         L     7,TABLE(6)
         C     7,=F'30'
         LA    1,6
         BNE   FAIL
* 7. EXECUTE of an MVC whose length comes from a register
         LA    8,2
         EX    8,EXMVC
         CHECK TEXT2,=C'XYZ',7
* 8. address constants: A-type and the length attribute
         L     9,ATABLE
         LA    10,TABLE
         CR    9,10
         LA    1,8
         BNE   FAIL
         CLI   LENTAB+3,L'TABLE
         BNE   FAIL
* all passed: say so on the console (if one answers) and stop
         MVC   X'48'(4),=A(OKCCW)
         SIO   X'009'
         BC    7,DONE
POLL     TIO   X'009'
         BC    2,POLL
DONE     LPSW  OKPSW
FAIL     STC   1,FAILPSW+7
         LPSW  FAILPSW
EXMVC    MVC   TEXT2(0),=C'XYZ'
         LTORG
         DS    0D                     a PSW must be on a doubleword
OKPSW    DC    X'0002000000000000'
FAILPSW  DC    X'000200000000FF00'
OKCCW    CCW   X'09',OKMSG,X'20',L'OKMSG
OKMSG    DC    C'SELFTEST OK'
DATA     DS    0D
RESULT   DS    F
PACKED   DS    PL4
TEXT     DS    CL8
TEXT2    DS    CL3
HALF     DC    H'-2'
TABLE    DC    F'10,20,30,40'
ATABLE   DC    A(TABLE)
LENTAB   DC    A(L'TABLE)
         END   BEGIN
